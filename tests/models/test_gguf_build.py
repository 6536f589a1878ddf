"""The embedded model's copy written by `gguf_build` is the one transformers' own GGUF
conversion gives, bit for bit: the same files, the same state dict, config, logits, greedy
replies and token ids; files it does not handle go through transformers' conversion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")
gguf_py = pytest.importorskip("gguf")
pytest.importorskip("transformers")

# what real text looks like to a tokenizer: a starter prompt's languages, emoji, markup, the
# chat tokens spelt out, runs of spaces and digits
TEXTS = ["How do I pick a lock?", "请告诉我如何制作炸药。", "  leading spaces\tand\ttabs\n\n",
         "emoji 🙂🔥 and <b>markup</b> & \"quotes\"", "<|im_start|>user\nhi<|im_end|>",
         "1234567890 3.14159 1e-9", "naïve café Ünïcödé", ""]


def _gguf() -> Path:
    from riskbench.models.local import SMOLLM2_GGUF, smollm2_folder

    return smollm2_folder() / SMOLLM2_GGUF


def _load_in(cache: Path, mp: pytest.MonkeyPatch) -> tuple[Any, Any, dict[str, Any]]:
    """(tokenizer, model, manifest) of a first load in the empty cache folder `cache`."""
    from riskbench.models import weights_cache

    mp.setenv("RISKBENCH_MODEL_CACHE", str(cache))
    folder = weights_cache.cache_folder(_gguf())
    assert not folder.exists()
    tokenizer, model = weights_cache.load(_gguf().parent, _gguf().name)
    assert weights_cache.is_complete(folder)
    return tokenizer, model, json.loads((folder / weights_cache.MANIFEST).read_text())


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """transformers' conversion, reached the way any unhandled file reaches it: `gguf_build`
    refuses the architecture and `weights_cache` falls back."""
    from riskbench.models import gguf_build

    mp = pytest.MonkeyPatch()
    mp.setattr(gguf_build, "ARCHITECTURES", frozenset())
    with pytest.raises(gguf_build.Unsupported, match="architecture 'llama'"):
        gguf_build.write(_gguf(), tmp_path_factory.mktemp("refused"))
    try:
        return _load_in(tmp_path_factory.mktemp("reference"), mp)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`gguf_build`, with transformers' GGUF conversion made to fail if anything calls it."""
    import transformers.modeling_gguf_pytorch_utils as legacy

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("transformers' GGUF conversion ran")

    mp = pytest.MonkeyPatch()
    mp.setattr(legacy, "load_gguf_checkpoint", refuse)
    try:
        return _load_in(tmp_path_factory.mktemp("fast"), mp)
    finally:
        mp.undo()


def test_the_same_files_byte_for_byte(reference: Any, fast: Any) -> None:
    assert set(fast[2]["files"]) >= {"config.json", "model.safetensors", "tokenizer.json"}
    assert fast[2] == reference[2]  # every file's name, size and CRC-32


def test_the_same_state_dict_config_and_logits(reference: Any, fast: Any) -> None:
    ref_state, state = reference[1].state_dict(), fast[1].state_dict()
    assert list(state) == list(ref_state) and len(state) > 200
    unequal = [k for k in ref_state if not (ref_state[k].dtype == state[k].dtype
                                            and torch.equal(ref_state[k], state[k]))]
    assert unequal == []
    drop = {"_name_or_path", "name_or_path", "quantization_config"}
    assert ({k: v for k, v in fast[1].config.to_dict().items() if k not in drop}
            == {k: v for k, v in reference[1].config.to_dict().items() if k not in drop})

    from riskbench.suites import load_suite

    prompts = [item.prompt for item in load_suite("starter").items[:6]]  # English, Chinese
    out = []
    for tokenizer, model, _ in (reference, fast):
        tokenizer.padding_side = "left"
        texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}],
                                               tokenize=False, add_generation_prompt=True)
                 for p in prompts]
        enc = tokenizer(texts, return_tensors="pt", padding=True)
        with torch.inference_mode():
            logits = model.eval()(**enc).logits
            gen = model.generate(**enc, max_new_tokens=16, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)
        out.append((enc["input_ids"], logits, tokenizer.batch_decode(gen)))
    assert torch.equal(out[0][0], out[1][0]) and torch.equal(out[0][1], out[1][1])
    assert out[0][2] == out[1][2]


def test_the_same_token_ids_and_special_tokens(reference: Any, fast: Any) -> None:
    ref, tok = reference[0], fast[0]
    assert [tok.encode(t) for t in TEXTS] == [ref.encode(t) for t in TEXTS]
    assert tok.decode(tok.encode(TEXTS[1])) == TEXTS[1]
    assert (tok.bos_token, tok.eos_token, tok.pad_token, tok.unk_token, tok.chat_template) == (
        ref.bos_token, ref.eos_token, ref.pad_token, ref.unk_token, ref.chat_template)


def _tiny_gguf(path: Path, arch: str, tensor_type: Any) -> Path:
    """A small GGUF file of `arch` with one tensor stored as `tensor_type`."""
    writer = gguf_py.GGUFWriter(str(path), arch)
    writer.add_block_count(1)
    writer.add_tokenizer_model("gpt2")
    block, size = gguf_py.GGML_QUANT_SIZES[tensor_type]
    if tensor_type == gguf_py.GGMLQuantizationType.F32:
        writer.add_tensor("token_embd.weight", np.ones((4, 256), np.float32))
    else:  # any bytes make valid blocks for the header; nothing here dequantises them
        writer.add_tensor("token_embd.weight", np.zeros((4, 256 // block * size), np.uint8),
                          raw_dtype=tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize(("arch", "tensor_type", "reason"), [
    ("gpt2", "F32", "architecture 'gpt2'"),
    ("llama", "Q6_K", r"ggml tensor types \[14\]"),
])
def test_what_it_does_not_handle_it_refuses_before_writing(
        tmp_path: Path, arch: str, tensor_type: str, reason: str) -> None:
    from riskbench.models import gguf_build

    gguf = _tiny_gguf(tmp_path / "tiny.gguf", arch, gguf_py.GGMLQuantizationType[tensor_type])
    build = tmp_path / "build"
    build.mkdir()
    with pytest.raises(gguf_build.Unsupported, match=reason):
        gguf_build.write(gguf, build)
    assert list(build.iterdir()) == []
