"""What `riskbench --help` lists of each command (its help text, short help, and whether it
is hidden or deprecated, and in which panel), kept in `commands.json` beside this module.

Listing them from their modules imported every command module and had typer convert
every command's options: half of `riskbench --help`. The file is made from those same
commands (`python -m riskbench.cli.summaries` writes it; tests/cli check that it is what
they give), and names a hash of this package's sources: where a source changed since,
or a command is missing, the root loads the commands themselves, so the listing is never
stale, only slower.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FILE = HERE / "commands.json"
FIELDS = ("help", "short_help", "hidden", "deprecated", "rich_help_panel")


def sources_hash() -> str:
    """sha256 of the package's Python sources, in name order."""
    digest = hashlib.sha256()
    for path in sorted(HERE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def summary(command: Any) -> dict[str, Any]:
    """The fields of `command` that the root's listing reads (a typer default that is
    not set reads as None, as the listing takes it)."""
    return {name: (value if isinstance(value, (str, bool)) else None)
            for name in FIELDS for value in [getattr(command, name, None)]}


def load() -> dict[str, dict[str, Any]]:
    """name -> summary, or nothing when the file is missing or older than the sources."""
    try:
        data = json.loads(FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("sources") != sources_hash():
        return {}
    commands = data.get("commands")
    return commands if isinstance(commands, dict) else {}


def made(table: Mapping[str, str]) -> dict[str, Any]:
    """The file's content for the commands of `table` (name -> `module:attribute`)."""
    from riskbench.cli.lazy import command_from

    return {"sources": sources_hash(),
            "commands": {name: summary(command_from(spec, name))
                         for name, spec in table.items()}}


def main() -> None:
    from riskbench.cli import COMMANDS

    FILE.write_text(json.dumps(made(COMMANDS), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    print(f"wrote {FILE}")


if __name__ == "__main__":
    main()
