"""Generated images in reports: pixels only in the restricted HTML, and only a real PNG
from this store; every other renderer and tier carries the `[image sha256:...]` reference."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from riskbench.errors import UsageError
from riskbench.images import image_refs, load_image

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WITHHELD = "[image withheld: public tier]"
MISSING = "[image not in this store]"
NOT_PNG = "[image not a PNG; not shown]"


def png_bytes(digest: str, folder: Path | None = None) -> bytes | None:
    """The stored PNG, or None when it is absent, altered or not a PNG."""
    try:
        data = load_image(digest, folder)
    except UsageError:
        return None
    return data if data.startswith(PNG_MAGIC) else None


def entries(output: str, tier: str, folder: Path | None = None) -> list[dict[str, Any]]:
    """One entry per referenced image: its hash and whether the HTML may embed it."""
    out = []
    for digest in image_refs(output):
        if tier != "restricted":
            state = "withheld"
        else:
            try:
                data = load_image(digest, folder)
            except UsageError:
                state = "missing"
            else:
                state = "available" if data.startswith(PNG_MAGIC) else "not_png"
        out.append({"sha256": digest, "state": state})
    return out


def data_url(digest: str, folder: Path | None = None) -> str | None:
    """A `data:image/png;base64,` URL for the restricted HTML report (its CSP allows
    `img-src data:` and nothing else)."""
    data = png_bytes(digest, folder)
    if data is None:
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def note(entry: dict[str, Any]) -> str:
    """What stands in for an image that is not embedded."""
    return {"withheld": WITHHELD, "missing": MISSING, "not_png": NOT_PNG}.get(
        entry["state"], "")
