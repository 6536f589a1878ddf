"""The dequantised copy of a GGUF model written from one read of the file, in seconds.

transformers' own conversion (`from_pretrained(..., gguf_file=...)`) parses the file three
times with the `gguf` package's pure-Python reader and rebuilds llama.cpp's tensor-name table
once per submodule: ~35-40 s of CPU for SmolLM2-135M, of which the dequantisation is ~3 s.
This module writes the same folder `weights_cache` keeps (config, generation config,
`model.safetensors`, tokenizer), byte for byte, from one memory-mapped read: the metadata and
tensor table through transformers' struct-based GGUF reader (the one its tokenizer path
already uses), the tensors through the `gguf` package's numpy dequantisation (what transformers'
path calls, on the same bytes in the same shape, a whole tensor at a time where it goes 16 rows
at a time: 1.5 s of CPU instead of 2.9), llama's q/k rows put back in Hugging Face's
order with the same numpy reshape transformers uses, and names mapped with llama.cpp's table
built once. `tests/models/test_gguf_build.py` checks the files, tensors, logits and token ids
against transformers' path.

What it handles is deliberately narrow, since only that is checked bit for bit: the `llama`
architecture (not files llama.cpp labels llama but transformers treats as mistral), a
byte-level BPE (`gpt2`) tokenizer, tensors in F32, F16, Q4_0, Q4_1 or Q8_0. Anything else
raises `Unsupported`, and `weights_cache` uses transformers' conversion instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARCHITECTURES = frozenset({"llama"})
TOKENIZERS = frozenset({"gpt2"})
TENSOR_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 8: "Q8_0"}  # ggml type ids
_BLOCKS = frozenset({"Q4_0", "Q4_1", "Q8_0"})  # elementwise: any grouping of rows is exact


class Unsupported(Exception):
    """A GGUF file this builder does not handle; transformers' conversion does."""


class _Weights:
    """What `safetensors.torch.save_model` needs of a model: its state dict. Saving through it
    stores tied tensors once under the name and metadata transformers' path gives them."""

    def __init__(self, tensors: dict[str, Any]) -> None:
        self._tensors = tensors

    def state_dict(self) -> dict[str, Any]:
        return dict(self._tensors)


def _header(gguf: Path) -> tuple[Any, dict[str, Any]]:
    """(tensor table, metadata) of `gguf`, or `Unsupported` naming why not."""
    try:
        from transformers.integrations.gguf import GgufHeader, read_gguf_metadata

        header = GgufHeader.from_file(str(gguf))
        metadata, _ = read_gguf_metadata(str(gguf))
    except (ImportError, ValueError, KeyError) as exc:  # an older transformers; a type it lacks
        raise Unsupported(f"transformers' GGUF reader cannot read it ({exc})") from exc
    arch = metadata["general.architecture"]
    if arch not in ARCHITECTURES or "mistral" in str(metadata.get("general.name", "")):
        raise Unsupported(f"architecture {arch!r}")
    if metadata.get("tokenizer.ggml.model") not in TOKENIZERS:
        raise Unsupported(f"tokenizer {metadata.get('tokenizer.ggml.model')!r}")
    if others := {t.ggml_type for t in header.tensors} - TENSOR_TYPES.keys():
        raise Unsupported(f"ggml tensor types {sorted(others)}")
    return header, metadata


def config_dict(metadata: dict[str, Any], tensor_names: set[str]) -> dict[str, Any]:
    """The config transformers' `load_gguf_checkpoint` derives for a llama file: its own key
    table applied to the metadata, embeddings tied when there is no `output.weight`."""
    from transformers.modeling_gguf_pytorch_utils import GGUF_TO_TRANSFORMERS_MAPPING

    renames: dict[str, dict[str, Any]] = GGUF_TO_TRANSFORMERS_MAPPING["config"]  # type: ignore[assignment]
    config: dict[str, Any] = {"tie_word_embeddings": "output.weight" not in tensor_names}
    for key, value in metadata.items():
        prefix, _, rest = key.partition(".")
        renamed = renames.get(prefix, {}).get(rest)
        if renamed is not None and renamed != -1:
            config[renamed] = value
    if "vocab_size" not in config:
        config["vocab_size"] = metadata["tokenizer.ggml.tokens"]  # the reader's count
    return config


def _tensors(gguf: Path, header: Any, config: Any) -> dict[str, Any]:
    """Hugging Face name -> float32 tensor, as transformers' path computes each."""
    import gguf as gguf_py
    import numpy as np
    import torch

    hf_names = _hf_names(config)
    blob = np.memmap(gguf, mode="r", dtype=np.uint8)
    heads = {".attn_q.": config.num_attention_heads, ".attn_k.": config.num_key_value_heads}
    tensors: dict[str, Any] = {}
    for info in header.tensors:
        if info.name not in hf_names:
            raise Unsupported(f"tensor {info.name} has no llama parameter")
        qtype = gguf_py.GGMLQuantizationType(info.ggml_type)
        raw = blob[header.data_start + info.offset:][:info.nbytes]
        if info.ggml_type == 0:
            data = raw.view(np.float32).reshape(info.shape)
        elif info.ggml_type == 1:
            data = raw.view(np.float16).reshape(info.shape)
        else:  # blocks: one row of bytes per output row, as the `gguf` reader shapes them
            block, size = gguf_py.GGML_QUANT_SIZES[qtype]
            data = raw.reshape(*info.shape[:-1], info.shape[-1] // block * size)
        if qtype.name in _BLOCKS:  # the whole tensor at once: `dequantize` applies the same
            weights = getattr(gguf_py.quants, qtype.name).dequantize_rows(data)  # per 16 rows
        else:
            weights = gguf_py.quants.dequantize(data, qtype)
        for part, n_head in heads.items():
            if part in info.name:  # llama.cpp interleaves rotary halves; undo it
                w = weights.reshape(n_head, weights.shape[0] // n_head // 2, 2,
                                    *weights.shape[1:])
                weights = w.swapaxes(2, 1).reshape(weights.shape)
        tensors[hf_names[info.name]] = torch.from_numpy(np.copy(weights))
    if config.tie_word_embeddings:
        tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"]
    return tensors


def _hf_names(config: Any) -> dict[str, str]:
    """GGUF tensor name -> the llama model's state-dict name, from llama.cpp's table (built
    once: transformers rebuilds it for each of the model's ~400 submodules)."""
    import gguf as gguf_py
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        names = list(AutoModelForCausalLM.from_config(config).state_dict())
    table = gguf_py.get_tensor_name_map(gguf_py.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    mapped: dict[str, str] = {}
    for name in names:
        stem, dot, suffix = name.rpartition(".")
        gguf_name = table.get_name(stem) if suffix in ("weight", "bias") else None
        if gguf_name is not None:
            mapped[f"{gguf_name}{dot}{suffix}"] = name
    return mapped


def write(gguf: Path, build: Path) -> None:
    """Write the model folder of `gguf` into the empty folder `build`; `Unsupported` before
    writing anything for a file outside what this module handles."""
    import torch
    from safetensors.torch import save_model
    from transformers import AutoConfig, GenerationConfig, TokenizersBackend

    header, metadata = _header(gguf)
    config = AutoConfig.for_model(**config_dict(metadata, {t.name for t in header.tensors}))
    config.dtype = torch.float32
    tensors = _tensors(gguf, header, config)
    tokenizer = TokenizersBackend.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config.save_pretrained(build)
    GenerationConfig.from_model_config(config).save_pretrained(build)
    save_model(_Weights(tensors), str(build / "model.safetensors"))  # type: ignore[arg-type]
    tokenizer.save_pretrained(build)
