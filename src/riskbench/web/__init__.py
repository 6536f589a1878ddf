"""Stage 9: the dashboard and its REST API (FastAPI), over the store and the monitor.
Install with the `web` extra; `riskbench serve` starts it."""

from riskbench.web.app import create_app

__all__ = ["create_app"]
