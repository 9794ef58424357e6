"""Score a question set written blind to the code, run by hand (never a test: the sets live outside
the repository when they are about third-party text).

    python bench/blind_eval.py CASES.yaml                    # the project's own corpus (the seed plan)
    python bench/blind_eval.py CASES.yaml --plans DIR        # ingest DIR/*.txt next to the seed, all loaded
    python bench/blind_eval.py CASES.yaml --plans DIR --alone   # each case against its own plan only

Cases use the format of tests/cases/README.md; a case's `doc` (the plan file's stem) is also the
document id the plan is ingested under. Payers compare by tier (levels.yaml), so the plan's own
spelling of a level counts. Prints the score per category, wrong verdicts (a payer the plan does not
give, an answer where none is due, or a yes/no lead opposite to the plan's) and each failure.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.engine import Assistant  # noqa: E402
from assistant.evaluate import check, wrong_verdict  # noqa: E402
from assistant.document.ingest import ingest  # noqa: E402

SEED = ROOT / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt"


def _engine(folder: Path, plans: list[Path], seed: bool) -> Assistant:
    env = {"ASSISTANT_DATA": str(folder), "ASSISTANT_CACHE": str(folder / "cache")}
    settings = load_settings(env=env)
    for path in ([SEED] if seed else []) + plans:
        ingest(path, settings, doc_id=None if path == SEED else path.stem)
    return Assistant.load(settings=load_settings(env=env))


def _turns(case: dict) -> list[dict]:
    return case.get("turns") or [{"question": case["question"], "expect": case["expect"]}]


def run(cases: list[dict], engine_for) -> dict:
    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong, failures = 0, []
    for case in cases:
        engine = engine_for(case)
        context, ok = None, True
        for turn in _turns(case):
            expect = dict(turn["expect"])
            expect.pop("doc", None)   # routing is scored by the verdict, not by the citation's id
            result, context = engine.ask(turn["question"], context)
            problems = check(result, expect, turn["question"])
            if wrong_verdict(result, expect):
                wrong += 1
                problems.append("错误结论")
            if problems:
                ok = False
                failures.append((case["id"], turn["question"], problems, result["answer"].split("\n")[0][:90]))
        cat = case.get("category", "other")
        per_cat[cat][0] += ok
        per_cat[cat][1] += 1
    return {"per_cat": per_cat, "wrong": wrong, "failures": failures}


def report(r: dict, title: str, verbose: bool) -> None:
    total = sum(v[1] for v in r["per_cat"].values())
    right = sum(v[0] for v in r["per_cat"].values())
    print(f"== {title}: {right}/{total} = {right / max(total, 1):.1%}, 错误结论 {r['wrong']}")
    for cat, (ok, n) in sorted(r["per_cat"].items()):
        print(f"   {cat:<14} {ok:>4}/{n:<4}")
    if verbose:
        for cid, q, problems, first in r["failures"]:
            mark = "‼" if "错误结论" in problems else "✗"
            print(f"  {mark} {cid} {q}\n      {'；'.join(problems)}\n      → {first}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", type=Path)
    ap.add_argument("--plans", type=Path, help="folder of plan texts (*.txt) the cases are about")
    ap.add_argument("--alone", action="store_true", help="each case against its own plan alone")
    ap.add_argument("--no-seed", action="store_true", help="do not load the seed plan beside the plans")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    cases = yaml.safe_load(args.cases.read_text(encoding="utf-8")) or []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.plans:
            engine = Assistant.load()
            r = run(cases, lambda case: engine)
        elif args.alone:
            engines: dict[str, Assistant] = {}

            def engine_for(case: dict) -> Assistant:
                doc = case.get("doc") or _turns(case)[0]["expect"].get("doc")   # a conversation's, in its turns
                if doc not in engines:
                    engines[doc] = _engine(Path(tmp) / doc, [args.plans / f"{doc}.txt"], seed=False)
                return engines[doc]
            r = run(cases, engine_for)
        else:
            engine = _engine(Path(tmp) / "all", sorted(args.plans.glob("*.txt")), seed=not args.no_seed)
            r = run(cases, lambda case: engine)
    report(r, f"{args.cases.name}{' (alone)' if args.alone else ''}", args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
