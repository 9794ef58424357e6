"""Scale, run by hand: `python bench/bench_scale.py [--sizes 1,10,100,1000]`.

For each size N it builds a data folder with N plans — the seed plan, the three test plans and
generated copies of them under other place names and 文号 — and measures:
- ingest time per plan (`assistant ingest`, in-process),
- start-up: a fresh process to the first answer, with the prebuilt index (median of 3),
- question latency in-process over the case questions (p50, p99), all N plans loaded.
"""
from __future__ import annotations

import argparse
import itertools
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant.config import load_settings  # noqa: E402
from assistant.engine import Assistant  # noqa: E402
from assistant.document.ingest import ingest  # noqa: E402
from bench_core import percentile  # noqa: E402

SOURCES = [ROOT / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt", *sorted((ROOT / "tests" / "plans").glob("*.txt"))]
STEMS = {"qinzhou": "钦州", "huitong": "会同", "jiangxi": "江西", "qujing": "曲靖", "qiandongnan": "黔东南", "shaoxing": "绍兴"}
CHARS = "东南西北中安平宁和兴"


def fake_stems():
    for a, b, c in itertools.product(CHARS, "山川河湖林原岗泉峰谷", "源溪岭坪湾洲港塘庄堡"):
        yield a + b + c


def build(folder: Path, n: int) -> list[float]:
    times = []
    settings = load_settings(data_dir=folder)
    stems = fake_stems()
    for i in range(n):
        source = SOURCES[i % len(SOURCES)]
        text = source.read_text(encoding="utf-8")
        doc_id = source.stem if i < len(SOURCES) else f"{source.stem}-copy{i}"
        if i >= len(SOURCES):
            stem = STEMS[source.stem.split("-")[0]]
            text = text.replace(stem, next(stems))
            text = re.sub(r"〔(\d{4})〕(\d+)号", lambda m: f"〔{m.group(1)}〕{1000 + i}号", text)
        path = folder / "in" / f"{doc_id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        t = time.perf_counter()
        ingest(path, settings, doc_id=doc_id)
        times.append(time.perf_counter() - t)
    return times


def questions() -> list[str]:
    out = []
    for path in [ROOT / "tests" / "cases" / "qinzhou.yaml", *sorted((ROOT / "tests" / "cases" / "plans").glob("*.yaml"))]:
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.extend(t["question"] for t in case.get("turns") or [case])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,10,100,1000")
    sizes = [int(x) for x in parser.parse_args().sizes.split(",")]
    qs = questions()
    print("plans | ingest/plan (mean) | first load (builds index) | start-up, cached (median) | p50 | p99")
    for n in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"scale{n}-"))
        try:
            ingest_times = build(folder, n)
            env = {"ASSISTANT_DATA": str(folder), "ASSISTANT_CACHE": str(folder / "cache")}
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "assistant", "ask", "专利导航谁出钱？"], cwd=ROOT, check=True,
                           capture_output=True, env={**__import__("os").environ, **env})
            first = time.perf_counter() - t
            starts = []
            for _ in range(3):
                t = time.perf_counter()
                subprocess.run([sys.executable, "-m", "assistant", "ask", "专利导航谁出钱？"], cwd=ROOT, check=True,
                               capture_output=True, env={**__import__("os").environ, **env})
                starts.append(time.perf_counter() - t)
            settings = load_settings(env={**env})
            eng = Assistant.load(settings=settings)
            for q in qs:
                eng.ask(q)
            lat = []
            for q in qs:
                t = time.perf_counter()
                eng.ask(q)
                lat.append((time.perf_counter() - t) * 1000)
            print(f"{n:>5} | {statistics.mean(ingest_times) * 1000:.0f} ms | {first:.1f} s | "
                  f"{statistics.median(starts):.2f} s | {percentile(lat, 50):.2f} ms | {percentile(lat, 99):.2f} ms", flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
