"""`riskbench runs` start-up: wall clock of the real command, this tree beside another
(`--other SRC`, e.g. the main checkout's src/), alternated in one run so load hits both.

The store holds `--runs` small runs of the scripted model (`riskbench run --model
scripted:alternate`), made once with this tree, or is `--db URL` (an existing store, e.g.
the million-attempt one of bench/million_store.py; `runs` writes to it only to cache a
finished run's missing counts). Each side runs `python -m riskbench.cli runs` (and
`riskbench --help` with `--help`) `--repeat` times; min and median wall clock and CPU are
printed, and the riskbench, torch and transformers modules the command imported
(`-X importtime`).

    python bench/cli_startup.py [--repeat 5] [--runs 3] [--db URL] [--help-too]
                                [--other ../main/src]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"


def command(src: Path, db: str, *extra: str, help_: bool = False) -> list[str]:
    return [sys.executable, *extra, "-m", "riskbench.cli",
            *(["--help"] if help_ else ["runs", "--db", db])]


def env_for(src: Path, workdir: Path) -> dict[str, str]:
    """The commands write their .pyc files (the warm-up run does), as an installed
    package has them, even where PYTHONDONTWRITEBYTECODE is set: a tree never compiled
    would otherwise compile its sources again in every command."""
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPATH": str(src), "RISKBENCH_CACHE": str(workdir / "c.sqlite"),
            "RISKBENCH_PROGRESS": "0"}


def timed(src: Path, db: str, workdir: Path, help_: bool = False) -> tuple[float, float]:
    """(wall, CPU) seconds of one `riskbench runs` (or `riskbench --help`)."""
    before = children_cpu()
    start = time.perf_counter()
    subprocess.run(command(src, db, help_=help_), env=env_for(src, workdir), cwd=workdir,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, children_cpu() - before


def children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def heavy_imports(src: Path, db: str, workdir: Path) -> tuple[float, list[str]]:
    done = subprocess.run(command(src, db, "-X", "importtime"), env=env_for(src, workdir),
                          cwd=workdir, check=True, capture_output=True, text=True)
    rows = [line.split("|") for line in done.stderr.splitlines()
            if line.startswith("import time:")]
    total = sum(int(r[0].split(":")[1]) for r in rows[1:]) / 1e6  # self times, seconds
    names = [r[2].strip() for r in rows[1:]]
    heavy = [n for n in names if n.split(".")[0] in ("torch", "transformers", "httpx")
             or (n.startswith("riskbench.models.") and n.split(".")[2] in (
                 "chat_completions", "local", "image_generation", "scripted"))]
    return total, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="small runs in the store")
    parser.add_argument("--other", type=Path, help="another tree's src/ to compare")
    parser.add_argument("--db", help="an existing store instead of --runs small runs")
    parser.add_argument("--help-too", action="store_true", help="time `riskbench --help`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = args.db or f"sqlite:///{workdir / 'small.db'}"
        for i in range(0 if args.db else args.runs):
            subprocess.run([sys.executable, "-m", "riskbench.cli", "run", "--model",
                            "scripted:alternate", "--limit", "10", "--seed", str(i),
                            "--db", db, "--out", str(workdir / "reports")],
                           env=env_for(HERE, workdir), cwd=workdir, check=True,
                           capture_output=True)
        sides = {"this tree": HERE, **({"other": args.other.resolve()} if args.other else {})}
        what = {"runs": False, **({"--help": True} if args.help_too else {})}
        for src in sides.values():
            for help_ in what.values():
                timed(src, db, workdir, help_)  # warm the page cache and the .pyc files
        times = {(name, cmd): [] for name in sides for cmd in what}
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        for _ in range(args.repeat):
            for name, src in sides.items():
                for cmd, help_ in what.items():
                    times[name, cmd].append(timed(src, db, workdir, help_))
        for name, src in sides.items():
            imports, heavy = heavy_imports(src, db, workdir)
            for cmd in what:
                wall, cpu = (sorted(t[i] for t in times[name, cmd]) for i in (0, 1))
                print(f"{name} ({src}) {cmd}: wall min {wall[0]:.2f} s, median "
                      f"{statistics.median(wall):.2f} s; CPU min {cpu[0]:.2f} s, median "
                      f"{statistics.median(cpu):.2f} s over {args.repeat}")
            print(f"  runs' imports {imports:.2f} s; heavy modules imported: {len(heavy)}"
                  + (f" ({', '.join(heavy[:4])}, ...)" if heavy else ""))
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
