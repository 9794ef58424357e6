"""Why an answer is what it is: the question as read, the candidates with their evidence, the
decision. `assistant ask --explain` prints it; nothing here changes an answer."""
from __future__ import annotations

from assistant.question.decide import Resolution
from assistant.question.frame import Analysis


def trace(a: Analysis, res: Resolution) -> dict:
    """A JSON-able account of one answer."""
    docs = []
    for d in a.docs:
        docs.append({
            "doc_id": d.index.doc_id,
            "named": d.named, "own_place": d.own_place,
            "levels": [{"words": m.surface, "level": m.level, "foreign": m.foreign,
                        "role": "claim" if m.claim else "scope",
                        **({"claim_words": m.phrase} if m.phrase else {}),
                        **({"exclusive": True} if m.exclusive else {}), **({"own": True} if m.own else {}), **({"negated": True} if m.negated else {}),
                        **({"majority": True} if m.majority else {}),
                        **({"inside": m.inside} if m.inside else {}), **({"elsewhere": True} if m.elsewhere else {})}
                       for m in d.levels],
            "candidates": [{"matter": m.entry.matter["name"], "id": m.entry.matter["id"], "explains": m.covered,
                            "coverage": round(m.coverage, 3), "names_head": m.head, "bm25": round(m.score, 3),
                            # "taught": the help desk linked this phrasing to the matter (teaching id)
                            "evidence": "taught" if m.taught else "words",
                            **({"teaching": m.taught} if m.taught else {})}
                           for m in d.matches],
            **({"taught_not_listed": d.taught_not_listed} if d.taught_not_listed else {}),
            "unexplained": d.unexplained,
            "significant": d.significant,
            "other_spending": d.naming,
            "list_filter": d.list_filter,
        })
    return {
        "frame": {"text": a.text, "words": a.units, "intents": sorted(a.intents), "yes_no": a.yes_no,
                  "fact": a.fact, "follow_up": a.follow_up, "joint_claim": a.joint_claim,
                  "joint_scope": a.joint_scope, "injection": a.injection, "out_of_scope_hint": a.out_of_scope_hint,
                  "corrections": [{"written": f.written, "read": f.read} for f in a.corrections]},
        "plans": docs,
        "decision": {"status": res.status, "kind": res.kind,
                     "verdicts": [{"doc_id": v.index.doc_id, "matter": v.matter["name"],
                                   "levels": [o["level"] for o in v.outcomes], "payers": [o["payer"] for o in v.outcomes],
                                   "yes_no": v.answer, "only_levels": v.only_levels} for v in res.verdicts],
                     "topic": res.topic or None, "options": res.options,
                     **({"taught_not_listed": res.taught} if res.taught else {})},
    }
