"""Engine throughput against a loopback chat-completions server that costs almost nothing.

    python bench/engine_throughput.py [--latency 0.25,0.1] [--in-flight 256] [--n 10000]
        [--only server,riskbench,openai,inspect] [--caict] [--judge-worker thread,inline]
        [--repeat N]

1. Starts Debian's nginx with its echo module on 127.0.0.1 (a temporary config; one
   location per latency: `echo_read_request_body; echo_sleep L; echo -n '<chat.completion>'`),
   so the server's own CPU is negligible and the figures are the clients'.
2. For each latency, with `--in-flight` requests in flight, `--n` requests each:
   - the server alone with a minimal asyncio HTTP/1.1 keep-alive client (the floor);
   - riskbench: `riskbench.pipeline.evaluate` on a JSONL suite of `--n` items (the real
     adapter, the refusal judge on every reply, batched SQLite writes, cache off), once
     per judging mode (`--judge-worker thread,inline,process`: judged on the loop with
     the writer thread, all on the loop, or in a worker process); `--repeat N` runs the
     modes N rounds, alternating, and prints each mode's min and median;
   - a plain `openai` SDK loop (AsyncOpenAI, a semaphore, `--n` calls);
   - Inspect AI, when a separate venv has it (`--inspect-python PATH`; never the project's).
   Each prints its steady-state rate over the limit (in flight / latency), the wall time
   of the `--n` requests over the floor (ceil(n / in flight) x latency), and CPU per request:
   `CPU ms` of the client's own process (riskbench: the engine's process during the
   attempts phase), `all procs` with its worker processes (riskbench's judging worker,
   start-up included: judge and store).
3. `--caict`: the CAICT-scale run end to end as a user runs it: `riskbench run` on 15,000
   items x k=5 = 75,000 attempts at 100 ms and 256 in flight (plan, attempts, judging,
   store, metrics, reports), wall clock of the command against the 29.3 s floor.

Steady-state: completions between 1 s after the first and 1 s before the last, so ramp-up
and drain count against no one; the wall/floor column does count them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BODY = json.dumps({
    "id": "x", "object": "chat.completion", "created": 0, "model": "m",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {
        "role": "assistant", "content": "Sure, here is an answer:\n1. one\n2. two"}}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
}, separators=(",", ":"))
NGINX_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_nginx(workdir: Path, latencies: list[float]) -> tuple[subprocess.Popen[bytes], int]:
    """nginx in the foreground on a free port; /<ms>/v1/chat/completions answers after ms."""
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) \
            or not Path(NGINX_MODULE).exists():
        sys.exit("bench needs nginx and its echo module: "
                 "apt-get install -y nginx libnginx-mod-http-echo")
    port = free_port()
    wire = BODY.replace("\\", "\\\\")  # echo reads \n as a newline: keep JSON's escapes
    locations = "".join(
        f"location = /{round(s * 1000)}/v1/chat/completions "
        f"{{ echo_read_request_body; echo_sleep {s:g}; echo -n '{wire}'; }}\n"
        f"location = /{round(s * 1000)}/v1/models {{ echo -n '{{\"data\":[]}}'; }}\n"
        for s in latencies)
    (workdir / "nginx.conf").write_text(f"""
load_module {NGINX_MODULE};
daemon off; master_process off; worker_processes 1; pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log error;
events {{ worker_connections 8192; }}
http {{
  access_log off; default_type application/json;
  keepalive_requests 1000000; keepalive_timeout 300s;
  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;
  server {{ listen 127.0.0.1:{port} backlog=4096; {locations} }}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", str(workdir / "nginx.conf"), "-p", str(workdir)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"nginx did not start; see {workdir}/nginx-error.log")


def steady_rate(stamps: list[float], margin: float = 1.0) -> float:
    """Completions per second inside [first + margin, last - margin] (stamps[0]: start)."""
    stamps = sorted(stamps)
    lo, hi = stamps[0] + margin, stamps[-1] - margin
    if hi <= lo:  # too short a run for margins: the whole window
        return (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return sum(lo <= t <= hi for t in stamps) / (hi - lo)


class Result:
    def __init__(self, stamps: list[float], cpu: float, errors: int = 0,
                 total_cpu: float | None = None) -> None:
        """`cpu`: the client's own process; `total_cpu`: with its worker processes."""
        self.stamps, self.cpu, self.errors = stamps, cpu, errors
        self.total_cpu = cpu if total_cpu is None else total_cpu
        self.n = len(stamps) - 1
        self.wall = max(stamps) - stamps[0]


async def server_alone(base: str, port: int, in_flight: int, n: int) -> Result:
    """A minimal keep-alive HTTP/1.1 client: the floor any client can reach."""
    payload = b'{"model":"m","messages":[{"role":"user","content":"hi"}]}'
    request = (f"POST /{base}/v1/chat/completions HTTP/1.1\r\nHost: x\r\n".encode()
               + b"Content-Type: application/json\r\nContent-Length: "
               + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    left = [n]
    stamps = [time.perf_counter()]
    cpu0 = time.process_time()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while left[0] > 0:
            left[0] -= 1
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if b"chunked" in head.lower():  # nginx's echo module streams its body
                while (size := int((await reader.readuntil(b"\r\n"))[:-2], 16)):
                    await reader.readexactly(size + 2)
                await reader.readexactly(2)
            else:
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                await reader.readexactly(length)
            stamps.append(time.perf_counter())
        writer.close()

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return Result(stamps, time.process_time() - cpu0)


async def openai_loop(base: str, port: int, in_flight: int, n: int) -> Result:
    """What a user writes by hand: AsyncOpenAI with a semaphore."""
    import openai

    client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/{base}/v1", api_key="x",
                                max_retries=0)
    semaphore = asyncio.Semaphore(in_flight)
    stamps = [time.perf_counter()]
    cpu0 = time.process_time()
    errors = 0

    async def one(i: int) -> None:
        nonlocal errors
        async with semaphore:
            try:
                reply = await client.chat.completions.create(
                    model="m", max_tokens=16,
                    messages=[{"role": "user", "content": f"benchmark request {i}"}])
                assert reply.choices[0].message.content
            except Exception:
                errors += 1
            stamps.append(time.perf_counter())

    await asyncio.gather(*(one(i) for i in range(n)))
    cpu = time.process_time() - cpu0
    await client.close()
    return Result(stamps, cpu, errors)


class Timer:
    """Progress hook timing the attempts phase alone (no plan, no metrics, no reports)."""

    def start(self, total: int, done: int) -> None:
        self.stamps = [time.perf_counter()]
        self.own0, self.kids0 = cpu_own(), cpu_children()

    def advance(self, attempt: object) -> None:
        self.stamps.append(time.perf_counter())

    def stop(self) -> None:
        # after the last batch is stored and the judging worker has exited (waited for)
        self.own1, self.kids1 = cpu_own(), cpu_children()


def cpu_own() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def suite_file(workdir: Path, n: int) -> Path:
    suite = workdir / f"bench-{n}.jsonl"
    if not suite.exists():
        with suite.open("w") as fh:
            for i in range(n):
                fh.write(json.dumps({"id": f"b{i}", "prompt": f"benchmark request {i}"}) + "\n")
    return suite


def riskbench_run(base: str, port: int, in_flight: int, n: int, workdir: Path,
                  judge_worker: str | None = None) -> Result:
    from riskbench.pipeline import RunOptions, evaluate
    from riskbench.types import RunConfig

    timer = Timer()
    result = evaluate(
        RunConfig(model=f"openai-compatible:http://127.0.0.1:{port}/{base}/v1:m",
                  suite=str(suite_file(workdir, n)), attacks=("direct",), max_tokens=16),
        RunOptions(db_url=f"sqlite:///{workdir / f'bench-{base}-{judge_worker}.db'}",
                   concurrency=in_flight, use_cache=False,
                   report_dir=workdir / f"report-{base}", judge_worker=judge_worker),
        timer,
    )
    own = timer.own1 - timer.own0
    return Result(timer.stamps, own, result.scores.counts["errors"],
                  own + timer.kids1 - timer.kids0)


def judge_cpu(repeat: int = 2000) -> float:
    """CPU seconds the refusal judge's rules take for the canned reply (its share of a
    riskbench attempt)."""
    from riskbench.judges.refusal import classify

    text = json.loads(BODY)["choices"][0]["message"]["content"]
    classify(text)
    start = time.process_time()
    for _ in range(repeat):
        classify(text)
    return (time.process_time() - start) / repeat


def inspect_run(python: str, base: str, port: int, in_flight: int, n: int,
                workdir: Path) -> Result | None:
    """Inspect AI in its own venv: an eval of n samples, wall clock and child CPU."""
    script = workdir / "inspect_task.py"
    script.write_text(
        "from inspect_ai import Task, task\n"
        "from inspect_ai.dataset import Sample\n"
        "from inspect_ai.solver import generate\n"
        "@task\n"
        f"def bench():\n    return Task(dataset=[Sample(input=f'benchmark request {{i}}') "
        f"for i in range({n})], solver=[generate()])\n")
    env = {**os.environ, "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/{base}/v1",
           "OPENAI_API_KEY": "x"}
    before = cpu_children()
    start = time.perf_counter()
    done = subprocess.run(
        [python, "-m", "inspect_ai", "eval", str(script), "--model", "openai/m",
         "--max-connections", str(in_flight), "--max-tokens", "16", "--display", "none",
         "--log-dir", str(workdir / "inspect-logs")],
        env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        print(f"inspect failed: {done.stderr[-300:]}", file=sys.stderr)
        return None
    # No per-sample stamps from outside: spread n over the wall clock (whole window).
    stamps = [start, *(start + wall * (i + 1) / n for i in range(n))]
    return Result(stamps, cpu_children() - before)


def cpu_children() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def caict(port: int, in_flight: int, workdir: Path, judge_worker: str) -> None:
    """75,000 attempts (15,000 items x k=5) at 100 ms end to end through the CLI; first
    the same command on `--limit 256 -k 1`: what the command costs besides its attempts
    (interpreter and imports, plan, store set-up, metrics, reports), to set the whole
    command's CPU beside the riskbench rows, which count the attempts phase alone."""
    items, k, latency = 15_000, 5, 0.1
    floor = math.ceil(items * k / in_flight) * latency

    def command(tag: str, *extra: str) -> tuple[float, float, str]:
        cmd = [sys.executable, "-m", "riskbench.cli", "run",
               "--model", f"openai-compatible:http://127.0.0.1:{port}/100/v1:m",
               "--suite", str(suite_file(workdir, items)), "--attacks", "direct",
               "--max-tokens", "16", "--concurrency", str(in_flight), "--no-cache",
               "--db", f"sqlite:///{workdir / f'caict-{judge_worker}-{tag}.db'}",
               "--out", str(workdir / "caict-report"), *extra]
        before = cpu_children()
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, "RISKBENCH_PROGRESS": "0",
                                   "RISKBENCH_JUDGE_WORKER": judge_worker})
        wall = time.perf_counter() - start
        status = "" if done.returncode == 0 else f"  rc {done.returncode}: {done.stderr[-300:]}"
        return wall, cpu_children() - before, status

    _, fixed, small_status = command("small", "--limit", "256", "-k", "1")
    wall, cpu, status = command("full", "-k", str(k))
    print(f"\nCAICT scale end to end: `riskbench run` {items:,} items x k={k} = "
          f"{items * k:,} attempts, {latency * 1000:.0f} ms, {in_flight} in flight, "
          f"judging {judge_worker}")
    print(f"  wall {wall:.1f} s, floor {floor:.1f} s, wall/floor {wall / floor:.2f}, "
          f"CPU {cpu:.1f} s = {cpu / (items * k) * 1000:.3f} ms/attempt (whole command: "
          f"start-up, plan, attempts, metrics, reports, all processes)" + status)
    print(f"  the same command on 256 attempts: CPU {fixed:.1f} s; the difference, "
          f"{(cpu - fixed) / (items * k - 256) * 1000:.3f} ms/attempt, is what 75,000 "
          "attempts add (their plan and store rows, sends, judging, storing, metrics)"
          + small_status)


def row(what: str, limit: float, floor: float, r: Result) -> str:
    rate = steady_rate(r.stamps)
    n = max(r.n, 1)
    return (f"{what:<17}{limit:>8.0f}{rate:>10.1f}{rate / limit:>7.3f}{r.wall:>8.2f}"
            f"{r.wall / floor:>11.2f}{r.cpu / n * 1000:>9.3f}{r.total_cpu / n * 1000:>10.3f}"
            + (f"  errors: {r.errors}" if r.errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", default="0.25,0.1", help="seconds, comma-separated")
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--n", type=int, default=10_000, help="requests per measurement")
    parser.add_argument("--only", default="server,riskbench,openai,inspect")
    parser.add_argument("--inspect-python", default=os.environ.get("INSPECT_PYTHON"),
                        help="python of a venv with inspect-ai (optional)")
    parser.add_argument("--caict", action="store_true", help="also the CAICT-scale run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="riskbench rows: rounds of the modes, then min and median")
    parser.add_argument("--judge-worker", default="thread,inline",
                        help="riskbench rows: judging modes (thread,inline,process)")
    args = parser.parse_args()
    latencies = [float(x) for x in args.latency.split(",")]
    if args.caict and 0.1 not in latencies:
        latencies.append(0.1)
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server, port = start_nginx(workdir, latencies)
        try:
            print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}, "
                  f"{args.in_flight} in flight, {args.n} requests per row")
            print("CPU ms: per request, the client's process; riskbench: the attempts "
                  "phase (first to last attempt: sends, replies, judging, storing, the "
                  "writer thread; not start-up, plan, metrics or reports); all procs: "
                  "with its worker processes")
            for latency in latencies:
                base = str(round(latency * 1000))
                limit = args.in_flight / latency
                floor = math.ceil(args.n / args.in_flight) * latency
                print(f"\nlatency {latency * 1000:.0f} ms: limit {limit:.0f}/s, "
                      f"floor {floor:.2f} s for {args.n} requests")
                print(f"{'what':<17}{'limit/s':>8}{'steady/s':>10}{'ratio':>7}{'wall s':>8}"
                      f"{'wall/floor':>11}{'CPU ms':>9}{'all procs':>10}")
                if "server" in only:
                    print(row("server alone", limit, floor, asyncio.run(
                        server_alone(base, port, args.in_flight, args.n))), flush=True)
                if "riskbench" in only:  # each --judge-worker mode in turn
                    if latency == latencies[0]:  # one-time imports and compiles (the
                        # judges' vocabulary, lazily imported modules) count against none
                        riskbench_run(base, port, args.in_flight, 2 * args.in_flight,
                                      workdir, args.judge_worker.split(",")[0])
                    modes = args.judge_worker.split(",")
                    seen: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
                    for _ in range(args.repeat):  # modes alternate within each round
                        for mode in modes:
                            r = riskbench_run(base, port, args.in_flight, args.n, workdir,
                                              mode)
                            seen[mode].append((steady_rate(r.stamps) / limit,
                                               r.total_cpu / max(r.n, 1) * 1000))
                            print(row(f"riskbench {mode}", limit, floor, r)
                                  + f"  (refusal judge alone: {judge_cpu() * 1000:.3f})",
                                  flush=True)
                    if args.repeat > 1:
                        for mode, runs in seen.items():
                            ratios = sorted(x for x, _ in runs)
                            cpus = sorted(c for _, c in runs)
                            print(f"  {mode} over {len(runs)}: ratio min {ratios[0]:.3f} "
                                  f"median {statistics.median(ratios):.3f}; CPU ms min "
                                  f"{cpus[0]:.3f} median {statistics.median(cpus):.3f}")
                if "openai" in only:
                    print(row("openai SDK", limit, floor, asyncio.run(
                        openai_loop(base, port, args.in_flight, args.n))), flush=True)
                if "inspect" in only and args.inspect_python:
                    r = inspect_run(args.inspect_python, base, port, args.in_flight, args.n,
                                    workdir)
                    if r:
                        print(row("Inspect AI", limit, floor, r), flush=True)
            if args.caict:
                for mode in args.judge_worker.split(","):
                    caict(port, args.in_flight, workdir, mode)
            print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
