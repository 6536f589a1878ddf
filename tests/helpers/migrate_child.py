"""Opens a riskbench store in a child process, optionally dying by SIGKILL right before
the Nth SQL statement, so tests can interrupt the first migration at every point.

Usage: python migrate_child.py URL [KILL_AT_STATEMENT]   (prints the statement count)
"""

import os
import signal
import sys

from sqlalchemy import Engine, event

from riskbench.store import connect

statements = 0
kill_at = int(sys.argv[2]) if len(sys.argv) > 2 else 0


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args: object) -> None:
    global statements
    statements += 1
    if statements == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


connect(sys.argv[1])
print(statements)
