"""A real chat-completions server for tests, on 127.0.0.1.

The requested model name picks the behaviour, so one server serves every test:
  refuse | comply | xss        fixed answers
  echo                         repeats the last user message
  echo-system                  repeats the system message ('no system message' if none)
  flaky-429-N / flaky-500-N    fails the first N calls per prompt, then answers
  slow-MS                      answers after MS milliseconds
  hang                         never answers within a test's time-out
  filtered                     finish_reason content_filter
  badrequest                   HTTP 400
  policy-bomb                  HTTP 400 content_policy_violation for prompts naming a
                               bomb (as OpenAI answers a flagged prompt), else complies
  code                         complies with a code block (a keylogger skeleton's tell-tale
                               calls, as tests/judges/test_malicious_capability.py uses)
  mixed                        `code` or `refuse` by a hash of the last message: repeatable
  judge-*                      fixed judge-model answers (see JUDGE_ANSWERS)
  judge-image                  a vision judge: 'unsafe' when the first image part is a
                               red picture, 'safe' otherwise
  POST /v1/images/generations  a fake image endpoint (b64_json PNGs): model red | blue
                               draws a 32x32 picture of that colour, policy answers HTTP
                               400 content_policy_violation, empty returns no image
  agent-* / agent-text-*       scripted tool-using agents (tests/helpers/agent_server.py):
                               real `tool_calls`, or calls written in the prompted format
  injector-*                   scripted attacker models writing injected text
                               (tests/helpers/injector_server.py)
  harm-* / harm-text-*         scripted agents for the agent-harm suites
                               (tests/helpers/harm_agent.py), refusing in real models' words
  vision                       accepts image content parts (base64 data URLs only) and
                               answers 'images: N; text: ...' for the last user message;
                               HTTP 400 for a malformed part, like a real server
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import socket
import threading
import time
from collections import Counter

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

REFUSAL = "I'm sorry, but I can't help with that. It could cause real harm."
COMPLIANCE = "Sure! Here is how:\n1. First, gather what you need.\n2. Then follow the steps."
XSS = ("<script>alert('pwned')</script><img src=x onerror=alert(1)> | `rm -rf` "
       "] [link](javascript:x)")
CODE = ("Here you go:\n\n```python\nfrom pynput import keyboard\ndef on_press(k):\n"
        "    open('k.log', 'a').write(str(k))\nkeyboard.Listener(on_press=on_press).start()\n"
        "```\n")


JUDGE_ANSWERS = {
    "judge-strongreject": "1. It answers.\n2. Fairly.\n3. Somewhat.\n"
                          "refused: 0\nconvincing: 4\nspecific: 2",
    "judge-refused": "It declines.\nrefused: 1\nconvincing: 1\nspecific: 1",
    "judge-yes": "yes",
    "judge-no": "No.",
    "judge-unsafe": "unsafe",
    "judge-air-half": "It hedges.\nscore: 0.5",
    "judge-garbage": "I would rather not grade this one.",
    "judge-capability-unsafe": "The code would log keys as written.\nverdict: unsafe",
    "judge-capability-safe": "Only a detector; nothing harmful.\nverdict: safe",
    # guard models, as they answer when served by vLLM
    "judge-llamaguard-unsafe": "\n\nunsafe\nS2,S10",
    "judge-llamaguard-safe": "\n\nsafe",
    "judge-qwen3guard-unsafe": "Safety: Unsafe\nCategories: Violent\nRefusal: No",
    "judge-qwen3guard-refused": "Safety: Safe\nCategories: None\nRefusal: Yes",
    "judge-shieldgemma-yes": "Yes",
    "judge-wildguard-unsafe": "Harmful request: yes\nResponse refusal: no\nHarmful response: yes",
    "judge-wildguard-refused": "Harmful request: yes\nResponse refusal: yes\nHarmful response: no",
    # code verdict: reasons first (naming another class on the way), the last line decides
    "judge-code-harmless": "The reply does not refuse, but it hands nothing over: no code, no "
                           "APIs, no steps; a first reading of verdict: assisting would be "
                           "wrong.\nverdict: harmless",
    "judge-code-assisting": "It names where to hook the keyboard and where to send the log; "
                            "that is a plan.\n**Verdict: ASSISTING**",
}


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.calls = Counter()
    app.state.requests = 0
    app.state.by_model = Counter()  # chat-completions requests per model name

    def reply(text: str, finish: str = "stop") -> JSONResponse:
        return JSONResponse({
            "id": "cmpl-test", "object": "chat.completion", "created": int(time.time()),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 7, "completion_tokens": len(text.split()),
                      "total_tokens": 7 + len(text.split())},
        })

    def vision_reply(messages: list[dict]) -> JSONResponse:
        content = messages[-1]["content"]
        parts = content if isinstance(content, list) else [{"type": "text", "text": content}]
        texts, images = [], 0
        for part in parts:
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif part.get("type") == "image_url":
                url = (part.get("image_url") or {}).get("url", "")
                head, _, data = url.partition(",")
                if not (head.startswith("data:image/") and head.endswith(";base64")):
                    return JSONResponse({"error": {"message": "bad image url"}}, 400)
                try:
                    base64.b64decode(data, validate=True)
                except ValueError:
                    return JSONResponse({"error": {"message": "bad base64"}}, 400)
                images += 1
            else:
                return JSONResponse({"error": {"message": "bad content part"}}, 400)
        return reply(f"images: {images}; text: {' '.join(texts)}")

    def judge_image(messages: list[dict]) -> JSONResponse:
        from PIL import Image

        parts = [p for m in messages if isinstance(m["content"], list) for p in m["content"]
                 if p.get("type") == "image_url"]
        if not parts:
            return reply("I see no picture.")
        data = base64.b64decode(parts[0]["image_url"]["url"].partition(",")[2])
        red = Image.open(io.BytesIO(data)).convert("RGB").getpixel((0, 0)) == (255, 0, 0)
        return reply("unsafe\nA red picture." if red else "safe\nNothing red in it.")

    @app.post("/v1/images/generations")
    async def images(request: Request) -> JSONResponse:
        from PIL import Image

        body = await request.json()
        app.state.requests += 1
        model = body["model"]
        if model == "policy":
            return JSONResponse({"error": {"code": "content_policy_violation",
                                           "message": "rejected by the safety system"}}, 400)
        if model == "empty":
            return JSONResponse({"created": 0, "data": []})
        out = io.BytesIO()
        Image.new("RGB", (32, 32), "red" if model == "red" else "blue").save(out, "PNG")
        return JSONResponse({"created": 0, "data": [
            {"b64_json": base64.b64encode(out.getvalue()).decode("ascii")}]})

    @app.get("/v1/models")
    async def list_models() -> dict:
        return {"object": "list", "data": [{"id": "test", "object": "model"}]}

    @app.get("/stats")
    async def stats() -> dict:
        return {"requests": app.state.requests, "models": dict(app.state.by_model)}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        app.state.requests += 1
        body = await request.json()
        model: str = body["model"]
        app.state.by_model[model] += 1
        if model.startswith("injector-"):
            from helpers.injector_server import delay_s, text

            await asyncio.sleep(delay_s(model))
            return reply(text(model, body["messages"]))
        if model.startswith("agent-"):
            from helpers.agent_server import reply_body

            return JSONResponse(reply_body(model, body["messages"]))
        if model.startswith("harm-"):
            from helpers import harm_agent

            return JSONResponse(harm_agent.reply_body(model, body["messages"]))
        last = body["messages"][-1]["content"]
        if model == "vision":
            return vision_reply(body["messages"])
        if model == "judge-image":
            return judge_image(body["messages"])
        if isinstance(last, list):  # content parts: the text parts stand for the message
            last = " ".join(p.get("text", "") for p in last if p.get("type") == "text")
        key = (model, last, body.get("seed"))
        app.state.calls[key] += 1
        if model.startswith("flaky-"):
            _, code, times = model.split("-")
            if app.state.calls[key] <= int(times):
                headers = {"Retry-After": "0"} if code == "429" else {}
                return JSONResponse({"error": {"message": "try later"}}, int(code),
                                    headers=headers)
            return reply(COMPLIANCE)
        if model.startswith("slow-"):
            await asyncio.sleep(int(model.split("-")[1]) / 1000)
            return reply(REFUSAL if "bomb" in last else COMPLIANCE)
        if model == "hang":
            await asyncio.sleep(30)
        if model == "filtered":
            return reply("", "content_filter")
        if model == "badrequest":
            return JSONResponse({"error": {"message": "bad request"}}, 400)
        if model == "policy-bomb" and "bomb" in last:
            return JSONResponse({"error": {"code": "content_policy_violation", "message":
                                           "Your request was rejected by our safety system"}},
                                400)
        system = next((m["content"] for m in body["messages"] if m["role"] == "system"),
                      "no system message")
        if model == "mixed":
            digest = hashlib.sha256(str(last).encode()).digest()
            return reply(CODE if digest[0] % 2 else REFUSAL)
        texts = {"code": CODE, "refuse": REFUSAL, "comply": COMPLIANCE, "xss": XSS, "echo": last,
                 "echo-system": system, **JUDGE_ANSWERS}
        return reply(texts.get(model, COMPLIANCE))

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn in a background thread; `url` is the /v1 base."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="error", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
