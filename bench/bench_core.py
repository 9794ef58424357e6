"""Core speed, run by hand: `python bench/bench_core.py`.

- per-question latency in-process over every question of tests/cases/*.yaml (after warm-up): p50, p99
- the CLI's cold start: process start to first answer (`assistant ask …`), median of several runs
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.engine import Assistant  # noqa: E402


def questions() -> list[str]:
    out = []
    for path in sorted((ROOT / "tests" / "cases").glob("qinzhou*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.extend(t["question"] for t in case.get("turns") or [case])
    return out


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    eng = Assistant.load()
    qs = questions()
    for q in qs:  # warm-up
        eng.ask(q)
    samples = []
    for _ in range(5):
        for q in qs:
            t = time.perf_counter()
            eng.ask(q)
            samples.append((time.perf_counter() - t) * 1000)
    print(f"in-process: {len(qs)} questions × 5, p50 {percentile(samples, 50):.2f} ms, "
          f"p99 {percentile(samples, 99):.2f} ms, max {max(samples):.2f} ms")
    # As an installed package runs: with its bytecode compiled (a shell with PYTHONDONTWRITEBYTECODE
    # set would otherwise recompile every module at every start, ~0.1 s).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "assistant")], env=env, check=True,
                   capture_output=True)
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "ask", "钦南区开展专利导航，谁出钱？"], cwd=ROOT,
                       check=True, capture_output=True, env=env)
        runs.append(time.perf_counter() - t)
    print(f"cold start (process start → first answer): median {statistics.median(runs):.2f} s, "
          f"min {min(runs):.2f} s over {len(runs)} runs")


if __name__ == "__main__":
    main()
