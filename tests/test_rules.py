"""rules/ is the plan compiled: in sync with corpus/, every quote verbatim, overrides never change a verdict."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from assistant.cli import main
from assistant.document.parse import load_document, verbatim_view
from assistant.document.rules import apply_overrides, compile_all, validate

ROOT = Path(__file__).resolve().parent.parent


def test_compile_check_is_clean(capsys):
    assert main(["compile", "--check"]) == 0
    assert "一致" in capsys.readouterr().out


def test_compile_check_fails_when_rules_drift(tmp_path, capsys):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "rules").mkdir()
    seed = ROOT / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt"
    (tmp_path / "corpus" / seed.name).write_bytes(seed.read_bytes())
    assert main(["--data", str(tmp_path), "compile"]) == 0
    path = tmp_path / "rules" / "qinzhou-ip-fiscal-plan-2025.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("payer: 县区", "payer: 市", 1), encoding="utf-8")
    assert main(["--data", str(tmp_path), "compile", "--check"]) == 1


@pytest.mark.parametrize("doc,rules,report,text", compile_all(ROOT / "corpus"))
def test_every_quote_is_verbatim(doc, rules, report, text):
    view = verbatim_view(doc.source)
    quotes = [o["quote"] for m in rules["matters"] for o in m["outcomes"]]
    assert quotes and all(q in view for q in quotes)
    assert validate(rules, doc) == []
    committed = yaml.safe_load((ROOT / "rules" / f"{doc.doc_id}.yaml").read_text(encoding="utf-8"))
    assert all(o["quote"] in view for m in committed["matters"] for o in m["outcomes"])


def test_a_quote_not_in_the_plan_is_rejected():
    doc = load_document(ROOT / "corpus" / "qinzhou-ip-fiscal-plan-2025.txt")
    _, rules, _, _ = compile_all(ROOT / "corpus")[0]
    broken = copy.deepcopy(rules)
    broken["matters"][0]["outcomes"][0]["quote"] = "由县区承担支出责任，市不承担。"
    assert validate(broken, doc)


def test_seed_rules_encode_the_plan():
    rules = yaml.safe_load((ROOT / "rules" / "qinzhou-ip-fiscal-plan-2025.yaml").read_text(encoding="utf-8"))
    by_name = {m["name"]: m for m in rules["matters"]}
    navigation = by_name["专利导航"]
    assert {(o["level"], o["payer"], o["principle"]) for o in navigation["outcomes"]} == \
        {("市", "市", "属地原则"), ("县区", "县区", "属地原则")}
    ruling = by_name["知识产权侵权纠纷的行政裁决"]
    assert [(o["level"], o["payer"]) for o in ruling["outcomes"]] == [("市", "市")]
    border = by_name["与边境国家执法部门开展知识产权执法合作交流"]
    assert {o["payer"] for o in border["outcomes"]} == {"市与县区共同", "市", "县区"}
    assert rules["catch_all"]["label"] == "钦政办〔2025〕15号 二（七）第2段"
    registration = next(m for m in rules["matters"] if m["name"].endswith("作品登记"))
    assert {o["principle"] for o in registration["outcomes"]} == {"办理部门"}


def test_overrides_change_words_never_verdicts():
    _, rules, _, _ = compile_all(ROOT / "corpus")[0]
    before = [[(o["level"], o["payer"], o["authority"]) for o in m["outcomes"]] for m in rules["matters"]]
    overrides = {rules["doc_id"]: {"matters": {"m01": {"name": "规划政策", "aliases": ["规划"],
                                                        "outcomes": [{"payer": "县区"}]}}}}
    changed = apply_overrides(copy.deepcopy(rules), overrides)
    assert changed["matters"][0]["name"] == "规划政策"
    assert [[(o["level"], o["payer"], o["authority"]) for o in m["outcomes"]] for m in changed["matters"]] == before
