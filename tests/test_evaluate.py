"""The grader's worst-failure check (assistant/evaluate.py wrong_verdict), case by case."""
from __future__ import annotations

import pytest

from assistant.evaluate import wrong_verdict


def _answer(lead: str, *payers: str) -> dict:
    return {"status": "answered", "answer": f"{lead}。……",
            "findings": [{"matter": "某事项", "payer": p} for p in payers]}


CASES = [
    # (what the plan's answer says, what the labeler expects, is it a wrong verdict?)
    # "省财政给不给钱" of a joint matter: 省与市县共同 is the plan's verdict for 省, no other payer
    (_answer("是", "省与市县共同"), {"status": "answered", "payers": ["省级"], "lead": "是"}, False),
    # "义务教育的经费县里要不要出": 中央与地方共同 takes in 市县 (地方 covers it)
    (_answer("是", "中央与地方共同"), {"status": "answered", "payers": ["市县"], "lead": "是"}, False),
    # a joint payer that does not take in the level expected is a payer the plan does not give
    (_answer("是", "中央与省共同"), {"status": "answered", "payers": ["市县"]}, True),
    # one level's payer where another's is due
    (_answer("是", "市"), {"status": "answered", "payers": ["县区"]}, True),
    # the lead opposite to the plan's, whatever the payer
    (_answer("是", "市"), {"status": "answered", "payers": ["市"], "lead": "不是"}, True),
    # a verdict where the plan lists nothing
    (_answer("是", "市"), {"status": "not_listed", "payers": []}, True),
    (_answer("不是", "市", "县区"), {"status": "answered", "payers": ["市", "县区"], "lead": "不是"}, False),
]


@pytest.mark.parametrize("result,expect,wrong", CASES)
def test_wrong_verdict(result: dict, expect: dict, wrong: bool) -> None:
    assert wrong_verdict(result, expect) is wrong
