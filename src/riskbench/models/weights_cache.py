"""A GGUF model dequantised once, then read as a plain model folder.

transformers turns a GGUF file into float32 tensors on every load (~40 s for SmolLM2-135M
on two idle cores). The first load therefore writes the converted model (config,
`model.safetensors`, tokenizer) under `models_cache_dir()`, in a folder named by the GGUF's
SHA-256 and the transformers version (its conversion may change between versions), and
every load reads that folder (under a second). `gguf_build` writes it in a few seconds from
one read of the file, the same bytes as transformers' conversion; files it does not handle
go through transformers' conversion, saved the same way.

The folder is built beside its final place and renamed into it whole; its manifest (each
file's size and CRC-32, written last) is checked before every load, so a partial or
corrupt folder is rebuilt instead of loaded.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import shutil
import tempfile
import warnings
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from riskbench.atomic import write_atomic
from riskbench.cachedir import cache_dir
from riskbench.models import gguf_build

MANIFEST = "riskbench-manifest.json"
_CHUNK = 1 << 24


def models_cache_dir() -> Path:
    """RISKBENCH_MODEL_CACHE, else `models/` in the user's riskbench cache folder."""
    env = os.environ.get("RISKBENCH_MODEL_CACHE")
    return Path(env) if env else cache_dir() / "models"


def _digest(path: Path, kind: str) -> str:
    with path.open("rb") as fh:
        if kind == "sha256":
            return hashlib.file_digest(fh, "sha256").hexdigest()
        crc = 0
        while chunk := fh.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
        return f"{crc:08x}"


def cache_folder(gguf: Path) -> Path:
    """Where the dequantised copy of `gguf` lies (or will)."""
    import transformers

    key = f"{_digest(gguf, 'sha256')[:32]}-transformers-{transformers.__version__}"
    return models_cache_dir() / key


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds every file its manifest names, at its size and CRC-32."""
    try:
        files = json.loads((folder / MANIFEST).read_text())["files"]
        return bool(files) and all(
            (folder / name).stat().st_size == meta["size"]
            and _digest(folder / name, "crc32") == meta["crc32"]
            for name, meta in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def save(tokenizer: Any, model: Any, folder: Path) -> None:
    """Write `model` (loaded from a GGUF file by transformers) and its tokenizer as a plain
    model folder."""
    from safetensors.torch import save_model

    def write(build: Path) -> None:
        config = copy.deepcopy(model.config)
        if hasattr(config, "quantization_config"):  # the GGUF marker: these are float32
            del config.quantization_config
        config.save_pretrained(build)
        model.generation_config.save_pretrained(build)
        save_model(model, str(build / "model.safetensors"))  # shares tied embeddings once
        tokenizer.save_pretrained(build)

    publish(folder, write)


def publish(folder: Path, write: Callable[[Path], None]) -> None:
    """Have `write` fill a temporary folder beside `folder`, add the manifest, and rename it
    into place; nothing lands at `folder` if `write` raises."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        write(build)
        files = {p.name: {"size": p.stat().st_size, "crc32": _digest(p, "crc32")}
                 for p in sorted(build.iterdir())}
        write_atomic(build / MANIFEST, json.dumps({"files": files}, indent=1))
        if folder.exists():  # incomplete: the caller checked
            shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # another process renamed its copy first
            os.replace(build, folder)
    finally:
        shutil.rmtree(build, ignore_errors=True)


def load(folder: Path, gguf_file: str | None) -> tuple[Any, Any]:
    """(tokenizer, model) of a local model folder; a GGUF one through its cached copy,
    built on first use."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if gguf_file is None:
        return (AutoTokenizer.from_pretrained(folder),
                AutoModelForCausalLM.from_pretrained(folder))
    cached = cache_folder(folder / gguf_file)
    if not is_complete(cached):
        try:
            publish(cached, partial(gguf_build.write, folder / gguf_file))
        except gguf_build.Unsupported:
            return _convert(folder, gguf_file, cached)
        except OSError as exc:  # a full or read-only cache: transformers' path, in memory
            _uncached(cached, exc)
            return _convert(folder, gguf_file, None)
    return (AutoTokenizer.from_pretrained(cached),
            AutoModelForCausalLM.from_pretrained(cached))


def _convert(folder: Path, gguf_file: str, cached: Path | None) -> tuple[Any, Any]:
    """transformers' own conversion (~40 s), for files `gguf_build` does not handle, kept
    in `cached` when given."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
    with contextlib.redirect_stderr(io.StringIO()):  # transformers' GGUF progress bar
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file)
    if cached is not None:
        try:
            save(tokenizer, model, cached)
        except OSError as exc:  # a full or read-only cache costs the next start, not this run
            _uncached(cached, exc)
    return tokenizer, model


def _uncached(cached: Path, exc: OSError) -> None:
    warnings.warn(f"could not keep the dequantised model in {cached} ({exc}); the next "
                  "start converts the GGUF file again", stacklevel=3)
