"""Errors a user can fix. The CLI prints their message as one line and exits with 2."""


class UsageError(Exception):
    """Bad input or environment: the message names the problem and the fix."""


class ModelError(Exception):
    """A model call failed for good (bad request, refused credentials)."""


class TransientModelError(ModelError):
    """A model call failed in a way worth retrying (429, 5xx, time-out, connection)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BlockedError(ModelError):
    """The provider's own content filter refused to answer."""


class RunInterrupted(Exception):
    """A run stopped before its end; everything finished so far is stored."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


class CredentialsRejected(UsageError):
    """The endpoint refused the API key (HTTP 401/403). Every further call would fail the
    same way, so it stops the run (stored as interrupted, resumable once the key is fixed)
    instead of being stored as one error per attempt; the CLI exits 2."""


class RunFailed(Exception):
    """A run finished with no successful attempt: every attempt errored or timed out, so
    its numbers measure the endpoint, not the model. Not a usage error (exit 2); the CLI
    gives it its own non-zero exit code."""

    def __init__(self, run_id: str, attempts: int, example: str) -> None:
        super().__init__(f"run {run_id}: all {attempts} attempts failed (e.g. {example}); "
                         f"fix the endpoint, then `riskbench run --resume {run_id}`")
        self.run_id = run_id


class WorkerFailed(Exception):
    """The worker process that judged and stored a run's attempts failed or died: the
    run stops (stored as interrupted; a resume makes the attempts it did not store). The
    CLI prints the message on one line and exits 1."""

    def __init__(self, run_id: str, message: str) -> None:
        super().__init__(message)
        self.run_id = run_id
