"""Where one /api/ask request's CPU goes, in process: the deployed app (real engine, help-desk log on,
conversations in the SQLite shared state) called through ASGI directly, without a server or sockets.

    .venv/bin/python bench/profile_ask.py [--requests 20000] [--profile] [--top 40]

Questions come from tests/cases/qinzhou.yaml in rotation, each a new conversation (as bench_http.py's
`ask`); the answer cache is warmed first. Prints the CPU per request (the process's, all threads) of
GET /api/health and POST /api/ask through the whole app, and with --profile the cProfile breakdown of
the ask loop (cProfile inflates code that makes many small calls: for proportions a sampling profiler
on the server under bench_http.py is closer, e.g. py-spy record --format raw).
What it leaves out: uvicorn's HTTP parsing and the socket work, the same for every route.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def make_app(state: Path):
    os.environ["ASSISTANT_CACHE"] = str(state)
    for key in ("ASSISTANT_DB_URL", "ASSISTANT_SESSION_STORE", "ASSISTANT_DATA"):
        os.environ.pop(key, None)
    from assistant.config import load_settings
    from assistant.engine import Assistant
    from assistant.service.api import create_app

    settings = load_settings()
    app = create_app(settings, engine=Assistant.load(settings.data_dir))
    gc.freeze()
    return app


def scope_for(method: str, path: str, body: bytes) -> dict:
    headers = [(b"host", b"127.0.0.1:8000")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000),
            "state": {}}


async def call(app, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope_for(method, path, body), receive, send)
    status = sent[0]["status"]
    return status, b"".join(m.get("body", b"") for m in sent[1:])


async def loop_requests(app, requests: list[tuple[str, str, bytes]], concurrency: int = 32) -> float:
    """CPU seconds per request (this process, all its threads: the question log's writer too),
    `concurrency` at a time (as wrk's connections: the shared state's writes of one event-loop turn
    go in one transaction)."""
    started = time.process_time()
    for start in range(0, len(requests), concurrency):
        results = await asyncio.gather(*(call(app, *r) for r in requests[start:start + concurrency]))
        for status, _ in results:
            if status != 200:
                raise SystemExit(f"status {status}")
    return (time.process_time() - started) / len(requests)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--sort", default="tottime")
    args = ap.parse_args()
    from bench_http import questions
    import uvloop

    bodies = [json.dumps({"question": q}, ensure_ascii=False).encode() for q in questions()]
    asks = [("POST", "/api/ask", bodies[i % len(bodies)]) for i in range(args.requests)]
    healths = [("GET", "/api/health", b"")] * args.requests
    with tempfile.TemporaryDirectory(prefix="profile-ask-") as tmp:
        app = make_app(Path(tmp))

        async def run() -> None:
            async with app.router.lifespan_context(app):
                await loop_requests(app, asks[:len(bodies) * 2])           # warm the answer cache
                await loop_requests(app, healths[:1000])
                for _ in range(2):
                    h = await loop_requests(app, healths)
                    a = await loop_requests(app, asks)
                    print(f"CPU per request, in process (no server, no sockets): health {h * 1e6:.0f} µs, "
                          f"ask {a * 1e6:.0f} µs")
                if args.profile:
                    profiler = cProfile.Profile()
                    profiler.enable()
                    await loop_requests(app, asks)
                    profiler.disable()
                    stats = pstats.Stats(profiler)
                    stats.sort_stats(args.sort).print_stats(args.top)

        uvloop.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
