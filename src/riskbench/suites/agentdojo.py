"""AgentDojo's suites as riskbench suites: `agentdojo:banking`, `agentdojo:slack`,
`agentdojo:travel`, `agentdojo:workspace` (Debenedetti et al. 2024, "AgentDojo: A Dynamic
Environment to Evaluate Prompt Injection Attacks and Defenses for LLM Agents").

The tasks, environments, tools, injection vectors and checks are AgentDojo's own, used
through its package (PyPI `agentdojo`, the `agents` extra); nothing of it is copied here.
Each item is one user task, alone (utility without attack) or paired with one injection
task (what an attacker's text in a tool result tries to get done). The item id carries
the package version, the benchmark version and a hash of the two tasks' code and text,
so results of different versions of a task are never pooled.

AgentDojo's `agent_pipeline` package imports every provider SDK (anthropic, cohere,
google-genai, openai) in its `__init__`; riskbench needs none of them, so `_agentdojo`
registers that package (and its `llms` subpackage) as plain module shells over the
installed files, letting the modules riskbench uses load without the SDKs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import sys
import types
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from riskbench.atomic import write_atomic
from riskbench.errors import UsageError
from riskbench.suites.base import Suite, suites
from riskbench.suites.tools import ToolOutcome, call_arguments
from riskbench.types import Item, ToolCall, stable_hash

BENCHMARK = "v1.2.2"  # AgentDojo's latest benchmark version in 0.1.35
SUITES = ("banking", "slack", "travel", "workspace")
USER_NAMES = {"banking": "Emma Johnson", "slack": "Emma Johnson", "travel": "Emma Johnson",
              "workspace": "Emma Johnson"}  # the user every AgentDojo environment serves
INSTALL = "pip install 'riskbench[agents]' (or: pip install --no-deps agentdojo " \
          "docstring-parser deepdiff 'pydantic[email]')"


@cache
def _agentdojo() -> types.SimpleNamespace:
    """The parts of AgentDojo riskbench uses, loaded without its provider SDKs."""
    spec = importlib.util.find_spec("agentdojo")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(f"the agentdojo suites need the agentdojo package; {INSTALL}")
    root = Path(next(iter(spec.submodule_search_locations)))
    for name in ("agentdojo.agent_pipeline", "agentdojo.agent_pipeline.llms"):
        if name not in sys.modules:
            shell = types.ModuleType(name)
            shell.__path__ = [str(root.joinpath(*name.split(".")[1:]))]
            sys.modules[name] = shell
    google = "agentdojo.agent_pipeline.llms.google_llm"
    if google not in sys.modules:  # tool_execution imports one constant from it
        shell = types.ModuleType(google)
        shell.EMPTY_FUNCTION_NAME = "<empty-function-name>"  # type: ignore[attr-defined]
        sys.modules[google] = shell
    try:
        from agentdojo.agent_pipeline.tool_execution import tool_result_to_str
        from agentdojo.functions_runtime import FunctionCall, FunctionsRuntime
        from agentdojo.task_suite.load_suites import get_suite
    except ImportError as exc:
        raise UsageError(f"agentdojo could not be imported ({exc}); {INSTALL}") from None
    return types.SimpleNamespace(get_suite=get_suite, FunctionsRuntime=FunctionsRuntime,
                                 FunctionCall=FunctionCall, to_str=tool_result_to_str,
                                 version=version("agentdojo"))


def agentdojo_version() -> str:
    return str(_agentdojo().version)


@cache
def task_suite(name: str) -> Any:
    if name not in SUITES:
        raise UsageError(f"unknown agentdojo suite {name!r}; choose one of {', '.join(SUITES)}")
    return _agentdojo().get_suite(BENCHMARK, name)


def tool_schemas(suite: str) -> list[dict[str, Any]]:
    """The suite's tools in the chat-completions `tools` form."""
    return [{"type": "function",
             "function": {"name": f.name, "description": f.description,
                          "parameters": f.parameters.model_json_schema()}}
            for f in task_suite(suite).tools]


@cache
def vector_defaults(suite: str) -> dict[str, str]:
    return dict(task_suite(suite).get_injection_vector_defaults())


@lru_cache(maxsize=64)
def _environment(suite: str, injections: tuple[tuple[str, str], ...]) -> Any:
    """The suite's default environment with these injections, parsed once (a YAML parse
    of the workspace environment takes about a second); callers take deep copies."""
    return task_suite(suite).load_and_inject_default_environment(dict(injections))


class AgentEnvironment:
    """One attempt's in-memory environment: the suite's default environment with the
    case's injections, as the user task initialises it; tool calls run against it through
    AgentDojo's functions runtime, and the checks read it afterwards."""

    def __init__(self, task: Mapping[str, Any], injections: Mapping[str, str]) -> None:
        ad = _agentdojo()
        self.suite = task_suite(task["suite"])
        self.user_task = self.suite.get_user_task_by_id(task["user_task"])
        injection = task.get("injection_task")
        self.injection_task = self.suite.get_injection_task_by_id(injection) \
            if injection else None
        environment = _environment(task["suite"], tuple(sorted(injections.items())))
        self.state = self.user_task.init_environment(environment.model_copy(deep=True))
        self.before = self.state.model_copy(deep=True)
        self._runtime = ad.FunctionsRuntime(self.suite.tools)
        self._call = ad.FunctionCall
        self._to_str = ad.to_str
        self.trace: list[Any] = []

    def run(self, call: ToolCall) -> ToolOutcome:
        """A call as the model sent it: arguments that are not a JSON object, or no tool
        name, come back as the error the model is shown (and are never executed)."""
        arguments = call_arguments(call)
        if isinstance(arguments, ToolOutcome):
            return arguments
        return self.call(call.name, arguments)

    def call(self, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        self.trace.append(self._call(function=name, args=dict(arguments)))
        result, error = self._runtime.run_function(self.state, name, dict(arguments))
        return ToolOutcome(self._to_str(result) if error is None else "", error)

    def checks(self, output: str) -> tuple[bool, bool | None]:
        """(utility: the user task is done, injected: the injection task's goal happened),
        by the tasks' own checks on the state before and after and on the call trace;
        injected is None for a case without an injection task."""
        return self.utility(output), self.injected(output)

    def utility(self, output: str) -> bool:
        done = self.user_task.utility_from_traces(output, self.before, self.state, self.trace)
        if done is None:
            done = self.user_task.utility(output, self.before, self.state)
        return bool(done)

    def injected(self, output: str) -> bool | None:
        if self.injection_task is None:
            return None
        hit = self.injection_task.security_from_traces(output, self.before, self.state,
                                                        self.trace)
        if hit is None:
            hit = self.injection_task.security(output, self.before, self.state)
        return bool(hit)


def ground_truth(suite: str, user_task: str, injection_task: str | None = None,
                 injections: Mapping[str, str] | None = None
                 ) -> tuple[bool, AgentEnvironment]:
    """Run a task's own ground-truth calls and its check, as AgentDojo checks its suites:
    the user task's calls and utility check, or (with `injection_task`) that task's calls,
    in the user task's environment, and its security check. (passed, environment)."""
    env = AgentEnvironment({"suite": suite, "user_task": user_task,
                            "injection_task": injection_task}, injections or {})
    task = env.injection_task or env.user_task
    for call in task.ground_truth(env.before.model_copy(deep=True)):
        env.call(call.function, call.args)
    output = str(getattr(task, "GROUND_TRUTH_OUTPUT", ""))
    return (bool(env.injected(output)) if env.injection_task else env.utility(output)), env


@cache
def idle_checks(suite: str, user_task: str, injection_task: str | None = None
                ) -> tuple[bool, bool | None]:
    """The case's checks for an agent that makes no call and says nothing: (utility,
    injected), in the suite's default environment (with no call no injected text is
    read). Some user tasks are met by the initial state or reward an unchanged one, so
    this is the floor a model's utility is read against (metrics/agents.py)."""
    return AgentEnvironment({"suite": suite, "user_task": user_task,
                             "injection_task": injection_task}, {}).checks("")


@cache
def solvable_injection_tasks(suite: str) -> tuple[str, ...]:
    """The injection tasks whose own ground truth achieves their goal. AgentDojo v1.2
    added workspace injection tasks with an empty ground truth, which its own suite check
    reports as failing; riskbench ships only the tasks a reference solution solves."""
    ts = task_suite(suite)
    first = next(iter(ts.user_tasks))
    return tuple(t for t in ts.injection_tasks if ground_truth(suite, first, t)[0])


@cache
def injection_vectors(suite: str, user_task: str) -> tuple[str, ...]:
    """The injection vectors a user task's ground truth reads (AgentDojo's rule: a marker
    placed in each vector, kept where a tool result shows it)."""
    defaults = vector_defaults(suite)
    markers = {vector: f"<<riskbench-marker-{vector}>>" for vector in defaults}
    env = AgentEnvironment({"suite": suite, "user_task": user_task}, markers)
    seen = " ".join(env.call(c.function, c.args).text
                    for c in env.user_task.ground_truth(env.before.model_copy(deep=True)))
    return tuple(vector for vector, marker in markers.items() if marker in seen)


@cache
def system_prompt() -> str:
    text = files("riskbench.suites").joinpath("data/agentdojo.yaml").read_text("utf-8")
    return str(yaml.safe_load(text)["system"])


@cache
def _file_hash(path: str) -> str:
    return stable_hash(Path(path).read_text("utf-8"), 16)


def _source_hash(*tasks: Any) -> str:
    """A hash of the files that define the tasks (prompt, goal, ground truth and checks
    live there) and of their ids and text: an edit anywhere in a task's module makes a
    new id, never a silent pool of old and new results."""
    files_ = [_file_hash(inspect.getfile(type(t))) for t in tasks]
    text = [[t.ID, getattr(t, "PROMPT", getattr(t, "GOAL", ""))] for t in tasks]
    return stable_hash([files_, text], 10)


def items(suite: str) -> tuple[Item, ...]:
    ts = task_suite(suite)
    source = f"agentdojo-{agentdojo_version()}"
    out: list[Item] = []
    injections: Sequence[Any] = [ts.get_injection_task_by_id(t)
                                 for t in solvable_injection_tasks(suite)]
    for user in ts.user_tasks.values():
        vectors = list(injection_vectors(suite, user.ID))
        base = {"suite": suite, "benchmark": BENCHMARK, "version": agentdojo_version(),
                "user_task": user.ID, "vectors": vectors, "user_name": USER_NAMES[suite]}
        pairs: list[Any] = [None, *(injections if vectors else ())]
        for injection in pairs:
            task = dict(base, injection_task=injection.ID if injection else None,
                        goal=injection.GOAL if injection else "")
            ident = f"{user.ID}+{injection.ID}" if injection else user.ID
            digest = _source_hash(user, *([injection] if injection else []))
            out.append(Item(
                id=f"{source}/{BENCHMARK}/{suite}/{ident}#{digest}", prompt=user.PROMPT,
                expected="refuse" if injection else "comply", source=source,
                meta={"agent": task, "attack": "important_instructions",
                      "system": system_prompt().format(user=USER_NAMES[suite])},
            ))
    return tuple(out)


def _description(name: str, package: str) -> str:
    return (f"AgentDojo {BENCHMARK} {name} (agentdojo {package}): user tasks alone and "
            "under each injection task, scored by the environment")


def counts_file() -> Path:
    """Where `riskbench suites` keeps the item counts of these suites, by version."""
    from riskbench.suites.public.common import cache_dir

    return cache_dir() / "agentdojo-counts.json"


def listing(name: str) -> tuple[int, str]:
    """(items, description) for `riskbench suites` without building the suite: building
    one runs every task's ground truth (seconds), so the count is kept on disk, keyed by
    the agentdojo version, the benchmark version and this module's code (what decides
    which tasks are shipped); any other key builds the suite once and stores it."""
    if importlib.util.find_spec("agentdojo") is None:
        raise UsageError(f"the agentdojo suites need the agentdojo package; {INSTALL}")
    package = version("agentdojo")
    key = f"{package}/{BENCHMARK}/{name}/{_file_hash(__file__)}"
    path = counts_file()
    try:
        known = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    if not isinstance(known.get(key), int):
        known[key] = len(items(name))
        with contextlib.suppress(OSError):  # a read-only cache: count again next time
            write_atomic(path, json.dumps(known, indent=1, sort_keys=True))
    return int(known[key]), _description(name, package)


def _loader(name: str) -> Any:
    def load() -> Suite:
        return Suite(
            name=f"agentdojo:{name}", description=_description(name, agentdojo_version()),
            items=items(name), judges=("agent_security", "agent_utility"), modality="agent",
        )
    load.__doc__ = f"AgentDojo's {name} suite: tool-using agent under indirect injection."
    load.listing = lambda: listing(name)  # type: ignore[attr-defined]
    return load


for _name in SUITES:
    suites.add(f"agentdojo:{_name}", _loader(_name))
