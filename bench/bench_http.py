"""HTTP benchmark: POST /api/ask beside GET /api/health (the stack's ceiling) in one run.

    .venv/bin/python bench/bench_http.py [--duration 10] [--rounds 2] [--connections 32]

Starts the app as `assistant serve` does (real engine, help desk installed, state in a temp folder)
in a separate process on 127.0.0.1 and loads it with wrk (Debian: `apt-get install wrk`) from another
process: 32 keep-alive connections, bounded duration. Scenarios, interleaved round by round:

  health               GET /api/health: trivial endpoint of the same app (the stack's ceiling)
  ask                  POST /api/ask as deployed: questions from tests/cases/qinzhou.yaml in rotation,
                       each a new conversation, every answer written to the help desk's question log
                       (the answer cache is warm after the first pass, as popular questions are in real use)
  ask-no-log           the same on a server without answer listeners: the web layer's own cost
  ask-no-log-no-cache  and with the answer cache off: every request runs the engine

Targets (issue 3): ask >= 70% of health's requests/s, ask p99 <= 1.5x health's p99.
Prints a Markdown table and writes artifacts/bench/bench_http.json. `--only ask` measures health and ask.

    .venv/bin/python bench/bench_http.py --workers 1,2 [--postgres | --db-url postgresql://...]

Workers (issue 13): `assistant serve --workers N --no-access-log` exactly as deployed (conversations in the
shared database: the SQLite state file by default, --db-url, or --postgres for a throwaway PostgreSQL
started as the tests start one; the help desk's log on), for each N one
after the other, health and ask interleaved round by round against the same server. Targets: ask at the
largest N >= 1.6x ask at N=1 and >= 80% of health at that N, p99 <= 1.5x health's. Writes
artifacts/bench/bench_http_workers.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "qinzhou.yaml"
OUT = ROOT / "artifacts" / "bench"

LUA_POST = """
local bodies = {%s}
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def questions(limit: int = 60) -> list[str]:
    import yaml
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [c["question"] for c in cases if "question" in c][:limit]


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------- server process

# server name -> (answer cache size, answer listeners on); scenario -> (server, path)
SERVERS = {"app": (4096, True), "web": (4096, False), "nocache": (0, False)}
SCENARIOS = {
    "health": ("app", "/api/health"),
    "ask": ("app", "/api/ask"),
    "ask-no-log": ("web", "/api/ask"),
    "ask-no-log-no-cache": ("nocache", "/api/ask"),
}


def serve_main(port: int, cache: int, listeners: bool) -> None:
    """The server side, in its own process: what `assistant serve` runs, with the knobs set."""
    import uvicorn

    from assistant.service.api import create_app
    from assistant.config import load_settings
    app = create_app(load_settings(), answer_cache_size=cache)
    if not listeners:
        app.state.answer_listeners.clear()     # the web layer alone, without the help desk's log write
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cache: int, listeners: bool, state: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "ASSISTANT_CACHE": str(state)}
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--cache", str(cache)]
                            + ([] if listeners else ["--no-listeners"]),
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=1) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def start_deployed(workers: int, state: Path, db_url: str | None) -> tuple[subprocess.Popen, str]:
    """`assistant serve --workers N` as the systemd unit in deploy/ runs it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_CACHE"] = str(state)
    if db_url:
        env["ASSISTANT_DB_URL"] = db_url
    state.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--no-access-log"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(state / "server.log", "wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    pids: set[int] = set()
    while time.time() < deadline and len(pids) < workers:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=1) as r:   # a new connection each time
                pids.add(json.loads(r.read())["pid"])
        except OSError:
            time.sleep(0.2)
    if len(pids) < workers:
        proc.kill()
        raise SystemExit(f"server with {workers} workers did not start: see {state / 'server.log'}")
    return proc, base


def check_ask(base: str, question: str) -> None:
    """Refuse to measure a server whose /api/ask fails: error responses would be timed instead."""
    req = urllib.request.Request(base + "/api/ask", data=json.dumps({"question": question}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            json.loads(r.read())["answer_id"]
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        raise SystemExit(f"/api/ask does not answer on {base}: {exc}") from None


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


# --------------------------------------------------------------------------- wrk

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(text: str) -> dict[str, float]:
    def latency(pct: str) -> float:
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not m:
            raise ValueError(f"no {pct}% latency in wrk output:\n{text}")
        return float(m.group(1)) * UNIT[m.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99"), "requests": total, "errors": errors}


def run_wrk(url: str, script: Path | None, duration: int, connections: int) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    return parse_wrk(out)


# --------------------------------------------------------------------------- main

def process_tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by `root` and its children (uvicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def connections_per_process(port: int) -> list[int]:
    """How many of the established connections to `port` each server process holds, most first (`ss`).
    Each worker listens with its own socket (SO_REUSEPORT) and the kernel picks one per connection by a
    hash of its addresses: wrk's 32 connections split like coin tosses (16/16 to about 22/10). Before,
    uvicorn's workers shared one socket and the first to wake took every waiting connection (32/0, 30/2)."""
    if not shutil.which("ss"):
        return []
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values(), reverse=True)


def own_cpu() -> float:
    """CPU seconds of this process and of its children that ended (wrk, ss)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def measured(proc: subprocess.Popen, url: str, script: Path | None, duration: int, connections: int) -> dict:
    """A wrk run, plus the server's CPU per request (less sensitive than requests/s to other load on the
    machine), how busy the whole machine was, how many cores something other than the server, wrk and
    this script kept busy meanwhile (another program's load: the run's requests/s are not comparable
    then), and how the connections were split between the workers (looked at halfway through)."""
    cpu0, (busy0, all0), mine0, t0 = process_tree_cpu(proc.pid), machine_busy(), own_cpu(), time.monotonic()
    done: dict = {}
    wrk = threading.Thread(target=lambda: done.update(run_wrk(url, script, duration, connections)))
    wrk.start()
    time.sleep(duration / 2)
    split = connections_per_process(int(url.split(":")[2].split("/")[0]))
    wrk.join()
    cpu1, (busy1, all1), mine1, t1 = process_tree_cpu(proc.pid), machine_busy(), own_cpu(), time.monotonic()
    if not done:
        raise SystemExit(f"wrk failed on {url}")
    result = {**done, "connections_per_worker": split}
    result["server_cpu_us_per_request"] = (cpu1 - cpu0) * 1e6 / max(result["requests"], 1)
    result["machine_busy"] = (busy1 - busy0) / max(all1 - all0, 1)
    busy_seconds = (busy1 - busy0) / os.sysconf("SC_CLK_TCK")
    result["other_cores"] = max(0.0, busy_seconds - (cpu1 - cpu0) - (mine1 - mine0)) / (t1 - t0)
    return result


def main_workers(args: argparse.Namespace, script: Path, n_questions: int) -> int:
    counts = [int(n) for n in args.workers.split(",")]
    work = script.parent
    runs: dict[str, list[dict]] = {}
    for n in counts:
        proc, base = start_deployed(n, work / f"state-{n}", args.db_url)
        try:
            check_ask(base, questions()[0])
            scenarios = {f"health@{n}": (base + "/api/health", None), f"ask@{n}": (base + "/api/ask", script)}
            for url, s in scenarios.values():
                run_wrk(url, s, 3, args.connections)          # warm-up
            for _ in range(args.rounds):
                for name, (url, s) in scenarios.items():
                    runs.setdefault(name, []).append(measured(proc, url, s, args.duration, args.connections))
        finally:
            stop_server(proc)
    keys = ("rps", "p50_ms", "p99_ms", "server_cpu_us_per_request", "machine_busy", "other_cores")
    summary = {name: {k: statistics.median(r[k] for r in rs) for k in keys}
               | {"errors": sum(r["errors"] for r in rs), "requests": sum(r["requests"] for r in rs)}
               for name, rs in runs.items()}
    store = "PostgreSQL" if args.db_url else "SQLite (default)"
    print(f"\n`assistant serve --workers N --no-access-log`, shared state in {store}, help-desk log on; "
          f"{args.connections} keep-alive connections, wrk -t1, {args.duration}s x {args.rounds} rounds (medians), "
          f"{n_questions} distinct questions, {os.cpu_count()} cores\n")
    print("| scenario | requests/s | p50 (ms) | p99 (ms) | server CPU per request (µs) | machine busy | "
          "other programs (cores, each round) | connections per worker (each round) | errors |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|")
    for name, s in summary.items():
        split = ", ".join("/".join(map(str, r["connections_per_worker"])) or "?" for r in runs[name])
        others = ", ".join(f"{r['other_cores']:.2f}" for r in runs[name])
        print(f"| {name} | {s['rps']:.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
              f"{s['server_cpu_us_per_request']:.0f} | {s['machine_busy']:.0%} | {others} | {split} | {s['errors']} |")
    top, first = counts[-1], counts[0]
    a, h, a1 = summary[f"ask@{top}"], summary[f"health@{top}"], summary[f"ask@{first}"]
    verdict = {"scaling": a["rps"] / a1["rps"], "rps_ratio": a["rps"] / h["rps"], "p99_ratio": a["p99_ms"] / h["p99_ms"]}
    verdict["meets_targets"] = (verdict["scaling"] >= 1.6 and verdict["rps_ratio"] >= 0.8
                                and verdict["p99_ratio"] <= 1.5 and not any(s["errors"] for s in summary.values()))
    print(f"\nask@{top} / ask@{first}: {verdict['scaling']:.2f}x (target >= 1.6x); ask/health at {top}: "
          f"{verdict['rps_ratio']:.0%} (target >= 80%); p99 ratio {verdict['p99_ratio']:.2f}x (target <= 1.5x) -> "
          f"{'targets met' if verdict['meets_targets'] else 'TARGETS MISSED'}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_http_workers.json").write_text(json.dumps(
        {"summary": summary, "runs": runs, "verdict": verdict, "store": store, "connections": args.connections,
         "duration": args.duration}, indent=2), encoding="utf-8")
    return 0 if verdict["meets_targets"] else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2); medians are reported")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--only", help="comma-separated scenarios to measure (health is always measured)")
    ap.add_argument("--workers", help="e.g. 1,2: measure `assistant serve --workers N` as deployed for each N")
    ap.add_argument("--db-url", help="with --workers: the shared database (default: SQLite files in a temp folder)")
    ap.add_argument("--postgres", action="store_true",
                    help="with --workers: a throwaway PostgreSQL on this machine (Debian's postgresql package)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--cache", type=int, default=4096, help=argparse.SUPPRESS)
    ap.add_argument("--no-listeners", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve_main(args.serve, args.cache, not args.no_listeners)
        return 0
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    script = work / "ask.lua"
    bodies = [json.dumps({"question": q}, ensure_ascii=False) for q in questions()]
    script.write_text(LUA_POST % ", ".join(lua_string(b) for b in bodies), encoding="utf-8")
    if args.workers:
        pg = None
        try:
            if args.postgres:
                sys.path.insert(0, str(ROOT / "tests"))
                from _pgserver import find_pg_bin, PgServer
                if find_pg_bin() is None:
                    raise SystemExit("PostgreSQL is not installed: apt-get install -y postgresql")
                pg = PgServer(find_pg_bin())
                pg.start()
                args.db_url = pg.create_database()
            return main_workers(args, script, len(bodies))
        finally:
            if pg is not None:
                pg.stop()
            shutil.rmtree(work, ignore_errors=True)
    wanted = {"health", *(args.only.split(",") if args.only else SCENARIOS)}
    unknown = wanted - set(SCENARIOS)
    if unknown:
        ap.error(f"unknown scenarios: {', '.join(sorted(unknown))} (known: {', '.join(SCENARIOS)})")
    servers = {}
    try:
        for server in dict.fromkeys(SCENARIOS[name][0] for name in SCENARIOS if name in wanted):
            cache, listeners = SERVERS[server]
            servers[server] = start_server(cache, listeners, work / f"state-{server}")
        for _, base in servers.values():
            check_ask(base, questions()[0])
        scenarios = {name: (servers[server][1] + path, script if path == "/api/ask" else None)
                     for name, (server, path) in SCENARIOS.items() if name in wanted}
        for url, s in scenarios.values():                     # warm-up: engine, caches, JIT-free but lazy imports
            run_wrk(url, s, 3, args.connections)
        runs: dict[str, list[dict]] = {name: [] for name in scenarios}
        for _ in range(args.rounds):
            for name, (url, s) in scenarios.items():
                runs[name].append(run_wrk(url, s, args.duration, args.connections))
    finally:
        for proc, _ in servers.values():
            stop_server(proc)

    summary = {name: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_ms", "p99_ms")}
               | {"errors": sum(r["errors"] for r in rs), "requests": sum(r["requests"] for r in rs)}
               for name, rs in runs.items()}
    h = summary["health"]
    verdicts = {}
    for name in ("ask", "ask-no-log"):
        if name not in summary:
            continue
        a = summary[name]
        v = {"rps_ratio": a["rps"] / h["rps"], "p99_ratio": a["p99_ms"] / h["p99_ms"]}
        v["meets_targets"] = v["rps_ratio"] >= 0.70 and v["p99_ratio"] <= 1.5
        verdicts[name] = v
    print(f"\n{args.connections} keep-alive connections, wrk -t1, {args.duration}s x {args.rounds} rounds "
          f"(medians), {len(bodies)} distinct questions, {os.cpu_count()} cores\n")
    print("| scenario | requests/s | p50 (ms) | p99 (ms) | errors |")
    print("|---|---:|---:|---:|---:|")
    for name, s in summary.items():
        print(f"| {name} | {s['rps']:.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['errors']} |")
    print()
    for name, v in verdicts.items():
        print(f"{name}/health requests/s: {v['rps_ratio']:.0%} (target >= 70%); p99 ratio: {v['p99_ratio']:.2f}x "
              f"(target <= 1.5x) -> {'targets met' if v['meets_targets'] else 'TARGETS MISSED'}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_http.json").write_text(json.dumps({"summary": summary, "runs": runs, "verdicts": verdicts,
                                                     "connections": args.connections, "duration": args.duration},
                                                    indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    deciding = [verdicts["ask"]] if "ask" in verdicts else list(verdicts.values())
    return 0 if all(v["meets_targets"] for v in deciding) else 1


if __name__ == "__main__":
    raise SystemExit(main())
