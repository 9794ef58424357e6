"""Command line: `assistant ask | compile | eval | ingest | serve | teach` over the same core as the web app."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.config import Settings, load_settings
from assistant.service.inputs import QuestionError, decode_line


def _engine(settings: Settings):
    """The engine, reading the help desk's teachings when the data folder's database has any."""
    from assistant.engine import Assistant

    eng = Assistant.load(settings=settings)
    if _has_teachings(settings):
        from assistant.helpdesk.teach import attach_from_settings

        attach_from_settings(eng, settings)
    return eng


def _has_teachings(settings: Settings) -> bool:
    """Does the data folder's database hold teachings in force? With the default SQLite file this is asked
    with the standard library (no database created, no SQLAlchemy imported for nothing: the command line's
    cold start); a configured database (ASSISTANT_DB_URL) is always read. The file and table are
    `assistant.service.sessions.STATE_FILE` and `assistant.helpdesk.teach.teachings_table`."""
    if settings.db_url:
        return True
    import sqlite3

    path = settings.state_dir / "assistant-state.db"
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT 1 FROM assistant_teachings WHERE status = 'active' LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return False


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    eng = _engine(settings)
    store = None
    if args.session:   # imported only then: the shared-state module brings SQLAlchemy (~0.2 s of a cold start)
        from assistant.service.sessions import FileStore

        store = FileStore(settings.state_dir / "sessions")
    context = store.get(args.session) if store else None

    def one(question: str) -> dict:
        nonlocal context
        result, context = eng.ask(question, context)
        if store:
            store.put(args.session, context)
        return result

    if args.question is not None and args.explain:
        try:
            trace = eng.explain(args.question, context)
        except QuestionError as err:       # the same words as the API's 422 and `ask` without --explain
            print(err.message, file=sys.stderr)
            return 1
        print(json.dumps(trace, ensure_ascii=False, indent=1))
        return 0
    if args.question is not None:
        # The engine refuses what it cannot ask (too long, undecodable bytes from argv) with status
        # "error" and a Chinese message: that goes to stderr and the exit code, not stdout.
        result = one(args.question)
        failed = result["status"] == "error"
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(result["answer"], file=sys.stderr if failed else sys.stdout)
        return 1 if failed else 0
    if not args.json:
        print("请在命令后写上问题，或加 --json 从标准输入逐行提问。", file=sys.stderr)
        return 2
    # Bytes, not text: a line that is not UTF-8 gets its own error answer instead of ending the batch.
    # Every line gets exactly one JSON line, in order, so output line N answers input line N: a blank
    # line gets the error object for an empty question (the engine leaves the conversation as it was).
    for raw in sys.stdin.buffer:
        sys.stdout.write(json.dumps(one(decode_line(raw).strip()), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def _cmd_compile(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.document.rules import compile_all, dump_meta, meta_path, rules_path, validate

    settings.rules_dir.mkdir(parents=True, exist_ok=True)
    stale = []
    for doc, rules, report, text in compile_all(settings.corpus_dir):
        path = rules_path(settings.rules_dir, doc.doc_id)
        problems = validate(rules, doc)
        if problems:
            print(f"{doc.doc_id}: 规则校验失败：" + "；".join(problems), file=sys.stderr)
            return 1
        outputs = [(path, text), (meta_path(settings.corpus_dir, doc.doc_id), dump_meta(doc))]
        if args.report:
            from assistant.document.compile import format_report

            print(format_report(rules, report))
            continue
        if args.check:
            stale += [str(p) for p, t in outputs if not p.exists() or p.read_text(encoding="utf-8") != t]
            continue
        for p, t in outputs:
            p.write_text(t, encoding="utf-8")
        print(f"{doc.doc_id}: {report['rule_sentences']} 条规则句，{report['matters']} 个事项，"
              f"层级 {'/'.join(report['levels'])} → {path}")
    if args.check:
        if stale:
            print("rules/ 与语料编译结果不一致，请运行 assistant compile：" + "，".join(stale), file=sys.stderr)
            return 1
        print("rules/ 与语料编译结果一致。")
    return 0


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.evaluate import evaluate_files, format_report

    eng = _engine(settings)
    report = evaluate_files(eng, [Path(p) for p in args.cases], baseline=not args.no_baseline)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_report(report))
    return 0 if report["wrong_verdicts"] == 0 else 1


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.service.api import default_workers, serve

    workers = args.workers if args.workers is not None else default_workers()
    if workers < 1:
        print("--workers 至少为 1。", file=sys.stderr)
        return 2
    serve(host=args.host, port=args.port, settings=settings, workers=workers, access_log=args.access_log)
    return 0


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.document.ingest import ingest

    report = ingest(Path(args.file), settings, doc_id=args.id)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else report["summary"])
    if args.report and not args.json:
        print()
        print(report["review"], end="")
    return 0


def _cmd_teach(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.engine import Assistant
    from assistant.helpdesk.teach import NeedsConfirm, TeachError, open_teacher

    teacher = open_teacher(settings, Assistant.load(settings=settings))
    try:
        if args.action in ("add", "not-listed", "synonym"):
            kind = {"add": "link", "not-listed": "not_listed", "synonym": "synonym"}[args.action]
            extra = {"matter": args.matter, "level": args.level} if kind == "link" else \
                {"word": args.word, "means": args.means} if kind == "synonym" else {}
            try:
                p = teacher.teach(kind, args.question, doc_id=args.doc, who=args.who, confirm=args.yes, **extra)
            except NeedsConfirm as err:
                p = err.proposal
                print(f"这条教学会改变 {len(p.changes)} 个已有用例的回答（共检查 {p.checked} 个），未保存；"
                      f"确认无误请加 --yes 重新运行：", file=sys.stderr)
                for c in p.changes[:20]:
                    print(f"  {c['case']} {c['question']}\n    之前：{c['before']['answer'][:70]}\n"
                          f"    之后：{c['after']['answer'][:70]}", file=sys.stderr)
                return 3
            t = p.teaching
            print(f"已保存教学 {t.id}：“{t.phrasing}”（检查了 {p.checked} 个用例，{len(p.changes)} 个回答改变）")
            print(f"之前：{p.before['answer'].splitlines()[0]}")
            print(f"现在：{p.after['answer'].splitlines()[0]}")
        elif args.action == "list":
            rows = teacher.store.list(None if args.status == "all" else args.status)
            if args.json:
                print(json.dumps([t.public(teacher.engine) for t in rows], ensure_ascii=False, indent=1))
            else:
                for t in rows:
                    info = t.public(teacher.engine)
                    what = {"link": f"→ {info.get('matter_name') or t.matter_id}" + (f"（{t.level}）" if t.level else ""),
                            "not_listed": "→ 方案未列明", "synonym": f"= {t.means}"}[t.kind]
                    print(f"{t.id}\t{t.status}\t“{t.phrasing}” {what}\t{t.who or ''}\t{t.when}"
                          + (f"\t{t.count} 次" if t.status == "candidate" else ""))
                if not rows:
                    print("（没有教学）")
        elif args.action == "undo":
            t = teacher.undo(args.id)
            print(f"已撤销教学 {t.id}：“{t.phrasing}”")
        elif args.action == "export":
            Path(args.file).write_text(teacher.export(), encoding="utf-8")
            print(f"已导出 {len(teacher.store.active())} 条生效的教学 → {args.file}")
        elif args.action == "import":
            done = teacher.import_text(Path(args.file).read_text(encoding="utf-8"), who=args.who)
            print(f"已导入 {len(done)} 条教学（已存在的跳过）")
    except TeachError as err:
        print(err.message, file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="assistant", description="政策问答助手：财政事权和支出责任划分方案问答")
    parser.add_argument("--data", help="数据目录（含 corpus/ 与 rules/）；默认 $ASSISTANT_DATA 或项目自带目录")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ask", help="提问")
    p.add_argument("question", nargs="?", help="问题；省略且带 --json 时从标准输入逐行读取")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--explain", action="store_true", help="输出判断过程：问题的理解、候选事项及依据、结论（JSON）")
    p.add_argument("--session", help="会话 ID：同一 ID 的提问共享上下文")
    p.set_defaults(func=_cmd_ask)

    p = sub.add_parser("compile", help="由语料编译 rules/")
    p.add_argument("--check", action="store_true", help="只检查 rules/ 是否与编译结果一致")
    p.add_argument("--report", action="store_true", help="逐条列出规则句及其事项、层级、承担方和原文（不写文件）")
    p.set_defaults(func=_cmd_compile)

    p = sub.add_parser("eval", help="按题库评测")
    p.add_argument("cases", nargs="+", help="题库文件（YAML 或标注后的 CSV）")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-baseline", action="store_true", help="不计算基线得分")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("ingest", help="加入一份方案文本")
    p.add_argument("file")
    p.add_argument("--id", help="文档 ID（默认取文件名）")
    p.add_argument("--report", action="store_true", help="另外逐条列出规则句及其事项、层级、承担方和原文")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("serve", help="启动网页与 API 服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, help="工作进程数（默认：本机 CPU 核数）；会话经数据库在进程和主机之间共享")
    p.add_argument("--no-access-log", dest="access_log", action="store_false",
                   help="不记录每个请求（前面有 nginx 记录访问日志时）")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("teach", help="服务台教学：把说法关联到方案事项（不改变任何结论）")
    teach = p.add_subparsers(dest="action", required=True)
    t = teach.add_parser("add", help="把问题中的说法关联到一个事项")
    t.add_argument("question", help="用户的问题，如“县里搞软件合规检查的钱谁出？”")
    t.add_argument("matter", help="事项名称或编号（rules/ 中的，如 m26）")
    t.add_argument("--level", help="说法本身隐含的层级（可选，须是该事项有结论的层级）")
    t.add_argument("--doc", help="方案 ID（载入多份方案时）")
    t = teach.add_parser("not-listed", help="标记问题中的说法确实不在方案中")
    t.add_argument("question")
    t.add_argument("--doc", help="方案 ID（默认：默认方案）")
    t = teach.add_parser("synonym", help="用户的一个词等于方案中的一个词")
    t.add_argument("word", help="用户的说法")
    t.add_argument("means", help="方案中的词")
    t.add_argument("question", help="用这个词问的问题（例句）")
    t.add_argument("--doc", help="方案 ID（默认：默认方案）")
    for name in ("add", "not-listed", "synonym"):
        t = teach.choices[name]
        t.add_argument("--who", help="教学人（默认：当前用户名）")
        t.add_argument("--yes", action="store_true", help="会改变已有用例的回答时也保存")
    t = teach.add_parser("list", help="列出教学")
    t.add_argument("--json", action="store_true")
    t.add_argument("--status", default="active", choices=["active", "undone", "candidate", "rejected", "all"])
    t = teach.add_parser("undo", help="撤销一条教学")
    t.add_argument("id")
    t = teach.add_parser("export", help="导出生效的教学（YAML，也是 assistant eval 的用例文件）")
    t.add_argument("file")
    t = teach.add_parser("import", help="导入教学文件（逐条按方案校验）")
    t.add_argument("file")
    t.add_argument("--who", help="文件中没有教学人时记为谁")
    p.set_defaults(func=_cmd_teach)

    args = parser.parse_args(argv)
    if getattr(args, "command", None) == "teach" and getattr(args, "who", None) is None \
            and args.action in ("add", "not-listed", "synonym"):
        import getpass

        args.who = getpass.getuser()
    try:
        return args.func(args, load_settings(data_dir=args.data))
    except BrokenPipeError:   # `assistant ask … | head`: the reader left; nothing to report
        sys.stderr.close()
        return 0
