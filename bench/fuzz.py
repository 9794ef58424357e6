"""Long fuzz run for before a release (issue 15): questions in-process and HTTP requests against a real server.

    .venv/bin/python bench/fuzz.py --minutes 10 [--seed 1] [--clients 4]

Three processes for the whole run, on 127.0.0.1 only, stopping by themselves when the time is up:
  - the server: `assistant serve` with the help desk, admin and both channels configured (state in a
    temp folder), on a free loopback port;
  - the question loop (this process): Assistant.ask over generated questions (tests/_fuzz_inputs.py:
    fragments of real questions with noise, controls, lone surrogates…), sometimes as follow-ups; every
    quote checked verbatim, every 20th question asked twice (the same answer?);
  - the HTTP clients (one process, --clients threads on keep-alive connections): /api/ask with generated
    questions, malformed and over-long bodies, wrong media types, chunked and declared floods, feedback,
    sessions, documents, unknown paths and methods, admin with and without the token, WeChat and WeCom
    callbacks (signed, unsigned, stale, replayed, malformed).
Prints counts: questions, requests, exceptions (in-process raises, internal errors the engine caught and
answered with status "error", and tracebacks in the server's log), 5xx, dropped
connections (closed or reset with no response), and any failed check; exits 1 if any is non-zero.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from _fuzz_inputs import random_question, real_questions  # noqa: E402
from _live import raw_request  # noqa: E402

ADMIN = "fuzz-admin-token-0123456789abcdef"
WX_TOKEN, WC_TOKEN, WC_CORP = "fuzzwx", "fuzzwc", "wwfuzz0123456789"
WC_AES = base64.b64encode(b"k" * 32).decode()[:-1]
STATUSES = {"answered", "not_listed", "out_of_scope", "clarify", "error"}


# --------------------------------------------------------------------------- in-process questions

def question_loop(deadline: float, seed: int) -> Counter:
    from assistant.document.parse import verbatim_view
    from assistant.engine import Assistant
    from assistant.service.inputs import MESSAGES

    engine = Assistant.load()
    sources = {ix.doc_id: verbatim_view(ix.doc.source) for ix in engine.indexes}
    rng = random.Random(seed)
    counts: Counter = Counter()
    context = None
    while time.monotonic() < deadline:
        for _ in range(50):
            question = random_question(rng)
            counts["questions"] += 1
            try:
                result, new_context = engine.ask(question, context)
                if counts["questions"] % 20 == 0:
                    again = engine.ask(question, context)
                    counts["determinism_checked"] += 1
                    if again != (result, new_context):
                        counts["nondeterministic"] += 1
            except Exception as exc:  # noqa: BLE001 - counting is the point
                counts["exceptions"] += 1
                print(f"exception on {question!r}: {exc!r}", file=sys.stderr)
                continue
            counts[f"status:{result['status']}"] += 1
            if result["answer"] == MESSAGES["internal"]:      # the engine caught its own failure: still a bug
                counts["exceptions"] += 1
                print(f"internal error on {question!r}", file=sys.stderr)
            if result["status"] not in STATUSES:
                counts["bad_status"] += 1
            counts["not_verbatim"] += sum(c["quote"] not in sources.get(c["doc_id"], "") for c in result["citations"])
            # Half the time the next question is a follow-up in this conversation.
            context = new_context if rng.random() < 0.5 else None
    return counts


# --------------------------------------------------------------------------- HTTP clients

def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _wechat(rng: random.Random) -> tuple[str, str, dict, bytes]:
    ts = int(time.time()) - rng.choice([0, 0, 0, 10, 250, 400, 86400 * 30])     # some stale
    nonce = f"n{rng.randrange(10**9)}"
    signature = _sign(WX_TOKEN, str(ts), nonce) if rng.random() < 0.85 else "0" * 40
    user, msg_id = f"oUser{rng.randrange(50)}", rng.randrange(10**6) if rng.random() < 0.8 else 7  # some replays
    kind = rng.random()
    question = random_question(rng).encode("utf-8", "replace").decode("utf-8").replace("]]>", "")
    if kind < 0.75:
        body = (f"<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
                f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{question}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode("utf-8", "replace")
    elif kind < 0.85:
        body = rng.choice([b"", b"<xml>", b"not xml", b"\xff\xfe<xml/>", b'<!DOCTYPE x [<!ENTITY e "e">]><xml>&e;</xml>'])
    else:
        body = ("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>image</MsgType>"
                "<PicUrl>http://x/y</PicUrl><MsgId>9</MsgId></xml>").encode()
    query = f"signature={signature}&timestamp={ts}&nonce={nonce}"
    return "POST", f"/wechat/callback?{query}", {"Content-Type": "text/xml"}, body


def _wecom(rng: random.Random) -> tuple[str, str, dict, bytes]:
    from wechatpy.enterprise.crypto import WeChatCrypto
    import xmltodict

    crypto = WeChatCrypto(WC_TOKEN, WC_AES, WC_CORP)
    ts = str(int(time.time()) - rng.choice([0, 0, 30, 600]))
    nonce = f"w{rng.randrange(10**9)}"
    question = random_question(rng).encode("utf-8", "replace").decode("utf-8").replace("]]>", "")
    inner = (f"<xml><ToUserName><![CDATA[{WC_CORP}]]></ToUserName><FromUserName><![CDATA[u{rng.randrange(50)}]]>"
             f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
             f"<Content><![CDATA[{question}]]></Content><MsgId>{rng.randrange(10**6)}</MsgId>"
             f"<AgentID>1</AgentID></xml>")
    envelope = xmltodict.parse(crypto.encrypt_message(inner, nonce, ts))["xml"]
    signature = envelope["MsgSignature"] if rng.random() < 0.9 else "f" * 40
    body = f"<xml><ToUserName><![CDATA[{WC_CORP}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    return "POST", f"/wecom/callback?msg_signature={signature}&timestamp={ts}&nonce={nonce}", \
        {"Content-Type": "text/xml"}, body.encode()


def _request(rng: random.Random, answer_ids: list[str], session_ids: list[str]) -> tuple[str, str, dict, bytes | None]:
    """One request of a random kind: (method, path, headers, body)."""
    json_h = {"Content-Type": "application/json"}
    roll = rng.random()
    if roll < 0.40:
        body = {"question": random_question(rng)}
        if session_ids and rng.random() < 0.3:
            body["session_id"] = rng.choice(session_ids)
        return "POST", "/api/ask", json_h, json.dumps(body).encode()      # lone surrogates go as \\udXXX escapes
    if roll < 0.48:
        return "POST", "/api/ask", json_h, rng.choice([
            b"", b"{", b"null", b"[]", b'"x"', b'{"question": 1}', b'{"question": ""}', b'{"question": null}',
            b'{"question": "\\ud800"}', b'{"question": "\xff\xfe"}', b'{"question": "ok", "session_id": "../x"}',
            json.dumps({"question": "问" * rng.randint(490, 520)}).encode(),
            json.dumps({"question": random_question(rng) * rng.randint(1, 200)}).encode()[:60_000]])
    if roll < 0.52:
        ctype = rng.choice(["text/plain; x=json", "application/x-www-form-urlencoded; a=json", "text/plain",
                            "multipart/form-data; boundary=json", "application/json; charset=latin-1", ""])
        return "POST", "/api/ask", {"Content-Type": ctype} if ctype else {}, \
            '{"question": "专利导航谁出钱"}'.encode()
    if roll < 0.60:
        aid = rng.choice(answer_ids) if answer_ids and rng.random() < 0.7 else "0" * 32
        body = rng.choice([{"answer_id": aid, "rating": rng.choice(["up", "down", "meh"])},
                           {"answer_id": aid, "rating": "down", "comment": random_question(rng)},
                           None, [], {"answer_id": 5}])
        return "POST", "/api/feedback", json_h, json.dumps(body).encode()
    if roll < 0.70:
        sid = rng.choice(session_ids) if session_ids and rng.random() < 0.6 else "nope"
        return "GET", rng.choice([f"/api/sessions/{sid}", "/api/documents", "/api/documents/qinzhou-ip-fiscal-plan-2025",
                                  "/api/documents/..%2f..%2fetc", "/api/health", "/", "/embed", "/doc/x",
                                  "/openapi.json", "/nope", "/static/chat.js"]), {}, None
    if roll < 0.74:
        return rng.choice(["PUT", "DELETE", "PATCH", "GET"]), rng.choice(["/api/ask", "/api/feedback", "/api/health"]), {}, None
    if roll < 0.80:
        auth = {"Authorization": f"Bearer {ADMIN}"} if rng.random() < 0.5 else \
            rng.choice([{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}])
        path = rng.choice(["/api/admin/stats", "/api/admin/stats?days=7&top=5", "/api/admin/stats?days=-1",
                           "/api/admin/questions.csv?days=1", "/api/admin/questions.csv?days=x"])
        return "GET", path, auth, None
    if roll < 0.92:
        return _wechat(rng)
    return _wecom(rng)


def http_worker(port: int, deadline: float, seed: int, out: Counter, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    counts: Counter = Counter()
    answer_ids: list[str] = []
    session_ids: list[str] = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        if rng.random() < 0.01:      # floods go on their own connection: the server answers 413 and closes it
            counts["requests"] += 1
            try:
                declared = rng.random() < 0.5
                status, _, _, _ = raw_request(
                    port, "POST", rng.choice(["/api/ask", "/api/feedback", "/wechat/callback"]),
                    headers={"Content-Type": "application/json",
                             **({"Content-Length": str(10**9)} if declared else {})},
                    chunks=None if declared else (b"x" * 16384 for _ in range(40)))
                counts[f"http:{status}"] += 1
                counts["5xx"] += status >= 500
            except OSError:
                counts["dropped"] += 1
            continue
        method, path, headers, body = _request(rng, answer_ids, session_ids)
        counts["requests"] += 1
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError) as exc:
            counts["dropped"] += 1
            print(f"dropped: {method} {path}: {exc!r}", file=sys.stderr)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        counts[f"http:{response.status}"] += 1
        counts["5xx"] += response.status >= 500
        if path == "/api/ask" and response.status == 200:
            payload = json.loads(data)
            if payload.get("status") not in STATUSES:
                counts["bad_status"] += 1
            answer_ids = (answer_ids + [payload["answer_id"]])[-200:]
            session_ids = (session_ids + [payload["session_id"]])[-200:]
        if response.getheader("connection", "").lower() == "close":
            conn.close()
    conn.close()
    with lock:
        out.update(counts)


def http_clients(port: int, deadline_s: float, seed: int, clients: int, queue: mp.Queue) -> None:
    deadline = time.monotonic() + deadline_s
    total: Counter = Counter()
    lock = threading.Lock()
    threads = [threading.Thread(target=http_worker, args=(port, deadline, seed * 1000 + i, total, lock))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(dict(total))


# --------------------------------------------------------------------------- the run

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--clients", type=int, default=4, help="HTTP client threads")
    args = parser.parse_args()
    real_questions()                         # fail early if the case files are missing

    state = Path(tempfile.mkdtemp(prefix="fuzz-state-"))
    port = free_port()
    env = {**os.environ, "ASSISTANT_CACHE": str(state), "ASSISTANT_ADMIN_TOKEN": ADMIN,
           "ASSISTANT_WECHAT_TOKEN": WX_TOKEN, "ASSISTANT_WECOM_TOKEN": WC_TOKEN,
           "ASSISTANT_WECOM_AES_KEY": WC_AES, "ASSISTANT_WECOM_CORP_ID": WC_CORP,
           "ASSISTANT_CONTACT": "政策咨询窗口"}
    log_path = state / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                    break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start; see " + str(log_path))
                time.sleep(0.2)
        seconds = args.minutes * 60
        started = time.monotonic()
        queue: mp.Queue = mp.Queue()
        clients = mp.Process(target=http_clients, args=(port, seconds, args.seed, args.clients, queue))
        clients.start()
        counts = question_loop(time.monotonic() + seconds, args.seed)
        http_counts = Counter(queue.get(timeout=seconds + 300))
        clients.join(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    server_log = log_path.read_text(encoding="utf-8", errors="replace")
    tracebacks = server_log.count("Traceback (most recent call last)")
    statuses = sorted((k.split(":", 1)[1], v) for k, v in http_counts.items() if k.startswith("http:"))
    report = {
        "minutes": round(elapsed / 60, 2), "seed": args.seed,
        "questions": counts["questions"], "questions_per_s": round(counts["questions"] / elapsed),
        "question_statuses": {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("status:")},
        "determinism_checked": counts["determinism_checked"], "nondeterministic": counts["nondeterministic"],
        "not_verbatim": counts["not_verbatim"], "bad_status": counts["bad_status"] + http_counts["bad_status"],
        "requests": http_counts["requests"], "requests_per_s": round(http_counts["requests"] / elapsed),
        "http_statuses": dict(statuses),
        "exceptions": counts["exceptions"] + tracebacks, "server_tracebacks": tracebacks,
        "5xx": http_counts["5xx"], "dropped_connections": http_counts["dropped"],
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    bad = report["exceptions"] + report["5xx"] + report["dropped_connections"] + report["nondeterministic"] \
        + report["not_verbatim"] + report["bad_status"]
    if bad:
        print(f"server log kept: {log_path}", file=sys.stderr)
    else:
        shutil.rmtree(state, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
