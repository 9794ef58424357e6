"""Command line: `assistant ask|serve|compile|eval|ingest`. (Grows with the core.)"""
from __future__ import annotations

import argparse
import json
import sys

from assistant.config import load_settings


def _cmd_serve(args: argparse.Namespace) -> int:
    from assistant.api import serve

    serve(host=args.host, port=args.port, settings=load_settings(data_dir=args.data))
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from assistant.engine import Assistant

    eng = Assistant.load()
    result, _ = eng.ask(args.question or "")
    print(json.dumps(result, ensure_ascii=False) if args.json else result["answer"])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="assistant", description="政策问答助手")
    parser.add_argument("--data", help="数据目录（含 corpus/ 与 rules/），默认读取 $ASSISTANT_DATA 或项目自带目录")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ask", help="提问")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--session")
    p.set_defaults(func=_cmd_ask)
    p = sub.add_parser("serve", help="启动网页与 API 服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=_cmd_serve)
    args = parser.parse_args(argv)
    return args.func(args)
