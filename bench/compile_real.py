"""Compile quality on real plans, run by hand: `python bench/compile_real.py DIR... [--detail]`.

Each DIR holds plans as pasted (`<id>.txt`) with a hand annotation `<id>.expect.yaml`:
    title, doc_number, levels,
    rule_sentences: [{text, items, authority, payer}], non_rule_sentences: [text, ...]
(a DIR whose plans sit in DIR/plans/ works too). Every plan is ingested into a throwaway data folder
(the texts never enter the repository) and compared with its annotation:
- complete rule sentences compiled (a sentence the page cuts off at its end is left out): some outcome quotes the sentence (or a clause of it), or ingest reports it
  as uncompiled with a reason ("reported"); the rest are missed;
- items: each expected item ≈ a compiled matter name of that sentence (the same words, a finer piece
  of it, or it with a shared head or tail distributed; an item's level prefix counts as its scope);
- garbled names: a matter name that starts with 将/《, has unbalanced brackets, or is not made of the
  words of its sentence as written (the sentence's text, or a piece of it plus a shared head of it; a name its
  heading gives, alone or with a part of its sentence bracketed after it, "公用经费保障（国家基准定额部分）", is not);
- non-rule sentences compiled (should be 0); title found.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.document.ingest import ingest  # noqa: E402
from assistant.document.parse import page_lines  # noqa: E402
from assistant.language.normalize import fold_document  # noqa: E402


def norm(text: str) -> str:
    """Folded (full-width punctuation, simplified), without page residue (as the parser reads the
    page: a serial that broke a word, pinyin glosses), spaces and sentence-final marks."""
    return re.sub(r"[\s。；]", "", fold_document("\n".join(page_lines(str(text or "")))))


def overlaps(a: str, b: str) -> bool:
    """One of two normalized sentences contains the other (a clause of a sentence counts), or they
    share a run of at least 80% of the shorter (an annotation that starts a clause earlier or later)."""
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    m = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= 8 and m.size >= 0.8 * min(len(a), len(b))


def similar(a: str, b: str) -> bool:
    """An expected item ≈ a compiled matter name: the same words, give or take a trailing 等/工作/事项."""
    strip = lambda s: re.sub(r"(等|工作|事项|等事项|等工作)$", "", s)   # noqa: E731
    a, b = strip(norm(a)), strip(norm(b))
    if a == b:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def item_found(item: str, names: list[str], others: list[str]) -> bool:
    """An expected item is split out when a compiled name of its sentence is the item (≈), or lies
    inside it (a finer split, or the name without its level prefix, which is kept as the scope), or
    contains it without containing another expected item of the sentence (a shared head or tail
    distributed to it)."""
    it = norm(item).strip("《》")
    # the compiler keeps an item's own level prefix (全市性, 市级, 省级…) as its scope, not in its name
    bare = re.sub(r"^(全(省|市|县|州|区)性?|(中央|自治区|省|市县|市|州|县区|县|区)(级|本级)?)(?=.{4,})", "", it)
    for name in names:
        n = norm(name)
        if bare != it and (similar(bare, n) or bare in n and not any(norm(o) in n for o in others if norm(o) != it)):
            return True
    for name in names:
        n = norm(name)
        if similar(it, n) or (len(n) >= 2 and n in it):
            return True
        if it in n and not any(norm(o) in n for o in others if norm(o) != it):
            return True
    return False


def made_of(name: str, sentence: str) -> bool:
    """The name occurs in its sentence as written, or is one piece of it plus another (a shared head),
    or a piece between a shared head and the work the sentence says is done to them all ("地方文化文物系统
    所属" + "纪念馆" + "免费开放")."""
    n, s = norm(name), norm(sentence)
    if n in s:
        return True
    for cut in range(1, len(n)):
        if n[:cut] in s and n[cut:] in s:
            return True
        if n[:cut] in s and any(n[cut:j] in s and n[j:] in s for j in range(cut + 1, len(n))):
            return True
    return False


def garbled(name: str, sentence: str) -> str | None:
    n = norm(name)
    if n.startswith(("将", "《")):
        return "以将/《开头"
    for a, b in ("（）", "《》", "“”"):
        if n.count(a) != n.count(b):
            return "括号不配对"
    if not made_of(name, sentence):
        return "不是原句中的词"
    return None


def plan_dirs(dirs: list[str]) -> list[Path]:
    out = []
    for d in dirs:
        p = Path(d)
        out.append(p / "plans" if (p / "plans").is_dir() else p)
    return out


def measure(plan: Path, expect: dict, work: Path) -> dict:
    settings = load_settings(env={"ASSISTANT_DATA": str(work / "data"), "ASSISTANT_CACHE": str(work / "cache")})
    res = {"id": plan.stem, "error": None}
    try:
        report = ingest(plan, settings)
    except Exception as exc:   # a plan that does not ingest counts as nothing compiled
        res["error"] = f"{type(exc).__name__}: {exc}"[:200]
        report, rules = {"uncompiled": []}, {"matters": [], "title": None}
    else:
        rules = yaml.safe_load((settings.rules_dir / f"{plan.stem}.yaml").read_text(encoding="utf-8"))

    quotes: dict[str, list[dict]] = {}      # normalized quote → matters quoting it
    for m in rules.get("matters") or []:
        for o in m["outcomes"]:
            quotes.setdefault(norm(o["quote"]), [])
            if m not in quotes[norm(o["quote"])]:
                quotes[norm(o["quote"])].append(m)
    reported = [norm(u["sentence"]) for u in report.get("uncompiled") or []]

    rule_sents = expect.get("rule_sentences") or []
    counts = {"rules": 0, "compiled": 0, "reported": 0, "missed": 0, "items": 0, "items_ok": 0, "cut": 0}
    misses, item_misses = [], []
    # A page cut mid-sentence (the excerpts end where the page did): its last sentence is incomplete.
    raw = fold_document(plan.read_text(encoding="utf-8")).rstrip()
    cut = "" if raw.endswith(("。", "；", "！", "？", "”", "）")) else norm(raw[max(raw.rfind("。"), raw.rfind("；")) + 1:])
    for rs in rule_sents:
        if rs.get("complete") is False or (cut and norm(rs["text"]) in cut):
            counts["cut"] += 1
            continue
        counts["rules"] += 1
        text = norm(rs["text"])
        matters = [m for q, ms in quotes.items() if overlaps(q, text) for m in ms]
        if matters:
            counts["compiled"] += 1
        elif any(overlaps(r, text) for r in reported):
            counts["reported"] += 1
        else:
            counts["missed"] += 1
            misses.append(rs["text"])
        names = [m["name"] for m in matters]
        for item in rs.get("items") or []:
            counts["items"] += 1
            if item_found(item, names, rs.get("items") or []):
                counts["items_ok"] += 1
            else:
                item_misses.append((item, names[:8]))

    bad_names = []
    for m in rules.get("matters") or []:
        sentence = "".join(o["quote"] for o in m["outcomes"])
        why = garbled(m["name"], sentence)
        # (a name the paragraph's own heading gives, "（一）公用经费保障", with a part of its sentence bracketed
        # after it, "公用经费保障（国家基准定额部分）", is in the text as written)
        title = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?", "", m.get("category") or "").strip("。：: ")
        rest = m["name"][len(title):] if title and m["name"].startswith(title) else None
        if why and rest is not None and (not rest or not garbled(rest.strip("（）"), sentence)):
            why = None
        if why:
            bad_names.append((m["name"], why))

    non_rule = []
    for text in expect.get("non_rule_sentences") or []:
        t = norm(text)
        if any(overlaps(q, t) for q in quotes if quotes[q]):
            non_rule.append(text)

    title = rules.get("title") or ""
    want = expect.get("title") or ""
    res.update(counts)
    res.update({
        "garbled": bad_names, "non_rule": len(expect.get("non_rule_sentences") or []), "non_rule_compiled": non_rule,
        "title_ok": (norm(title).strip("《》") == norm(want).strip("《》")) if want else None, "title": title, "want_title": want,
        "misses": misses, "item_misses": item_misses,
        "doc_number_ok": (norm(rules.get("doc_number")) == norm(expect.get("doc_number")))
        if expect.get("doc_number") else None,
    })
    return res


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "—"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--detail", action="store_true", help="list every missed sentence, item and garbled name")
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in plan_dirs(args.dirs):
            for plan in sorted(d.glob("*.txt")):
                exp_path = plan.with_name(plan.stem + ".expect.yaml")
                if not exp_path.exists():
                    continue
                expect = yaml.safe_load(exp_path.read_text(encoding="utf-8")) or {}
                work = Path(tmp) / f"{d.parent.name}-{plan.stem}"
                results.append(measure(plan, expect, work))

    print(f"{'plan':42} {'rules':>5} {'comp':>5} {'rep':>4} {'miss':>4} {'items':>9} {'garb':>4} "
          f"{'nonrule':>7} title")
    tot = {k: 0 for k in ("rules", "compiled", "reported", "missed", "items", "items_ok", "garbled", "nr", "nrc", "cut")}
    titles = [0, 0]
    for r in results:
        tot["rules"] += r["rules"]
        tot["cut"] += r["cut"]
        tot["compiled"] += r["compiled"]
        tot["reported"] += r["reported"]
        tot["missed"] += r["missed"]
        tot["items"] += r["items"]
        tot["items_ok"] += r["items_ok"]
        tot["garbled"] += len(r["garbled"])
        tot["nr"] += r["non_rule"]
        tot["nrc"] += len(r["non_rule_compiled"])
        if r["title_ok"] is not None:
            titles[1] += 1
            titles[0] += bool(r["title_ok"])
        flag = " ERROR " + r["error"] if r["error"] else ""
        print(f"{r['id'][:42]:42} {r['rules']:5} {r['compiled']:5} {r['reported']:4} {r['missed']:4} "
              f"{r['items_ok']:4}/{r['items']:<4} {len(r['garbled']):4} {len(r['non_rule_compiled']):3}/{r['non_rule']:<3} "
              f"{'ok' if r['title_ok'] else ('—' if r['title_ok'] is None else 'NO')}{flag}")
        if args.detail:
            if not r["title_ok"] and r["title_ok"] is not None:
                print(f"    title: {r['title']!r} ≠ {r['want_title']!r}")
            for s in r["misses"]:
                print(f"    missed: {s}")
            for item, names in r["item_misses"]:
                print(f"    item: {item}  ← {names}")
            for name, why in r["garbled"]:
                print(f"    garbled: {name} ({why})")
            for s in r["non_rule_compiled"]:
                print(f"    non-rule compiled: {s}")
    print()
    print(f"plans: {len(results)}")
    print(f"complete rule sentences: {tot['rules']} (left out: {tot['cut']} cut off where the page ends); compiled {tot['compiled']} ({pct(tot['compiled'], tot['rules'])}), "
          f"reported {tot['reported']}, compiled or reported {pct(tot['compiled'] + tot['reported'], tot['rules'])}, "
          f"missed {tot['missed']}")
    print(f"items split correctly: {tot['items_ok']}/{tot['items']} ({pct(tot['items_ok'], tot['items'])})")
    print(f"garbled item names: {tot['garbled']}")
    print(f"non-rule sentences compiled: {tot['nrc']}/{tot['nr']}")
    print(f"titles found: {titles[0]}/{titles[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
