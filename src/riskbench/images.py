"""Generated images stored by content hash, outside the results database.

An image-generation model's reply is the reference `[image sha256:<hex>]` (its text in
every record, so public reports and exports never carry pixels); the PNG lies once under
`images_dir()`, named by its SHA-256, for judges and restricted pages to open. Two runs
that produce the same image share the file.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from riskbench.atomic import write_atomic
from riskbench.cachedir import cache_dir
from riskbench.errors import UsageError

_REF = re.compile(r"\[image sha256:([0-9a-f]{64})\]")


def images_dir() -> Path:
    """RISKBENCH_IMAGES, else `images/` beside the response cache (RISKBENCH_CACHE), else
    the user cache folder."""
    env = os.environ.get("RISKBENCH_IMAGES")
    if env:
        return Path(env)
    cache = os.environ.get("RISKBENCH_CACHE")
    if cache:
        return Path(cache).parent / "images"
    return cache_dir() / "images"


def store_image(data: bytes, folder: Path | None = None) -> str:
    """Keep `data` under its hash; returns the reference a reply carries."""
    digest = hashlib.sha256(data).hexdigest()
    path = (folder or images_dir()) / f"{digest}.png"
    if not path.exists():
        write_atomic(path, data, private=True)  # owner-only: may be harmful content
    return f"[image sha256:{digest}]"


def image_refs(text: str) -> list[str]:
    """The hashes of the images a reply references, in order."""
    return _REF.findall(text)


def load_image(digest: str, folder: Path | None = None) -> bytes:
    path = (folder or images_dir()) / f"{digest}.png"
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or not path.is_file():
        raise UsageError(f"image {digest[:16]}... is not in {path.parent}; set "
                         "RISKBENCH_IMAGES to the folder the run stored its images in")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise UsageError(f"image file {path} does not match its hash; it was altered")
    return data
