"""Files written whole or not at all: a reader (or a crash) never sees half a report."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, text: str | bytes | Iterable[str], private: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`. The file gets the
    permissions any file the user writes gets (mkstemp alone would leave it owner-only),
    unless `private` (generated images: they may be harmful content)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as out:
                out.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                if isinstance(text, str):
                    fh.write(text)
                else:
                    fh.writelines(text)
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
