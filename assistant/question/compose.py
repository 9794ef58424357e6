"""Verdicts → the Chinese answer and the JSON contract (conclusion first, then 依据 with the quote)."""
from __future__ import annotations

import re

from assistant.document.catalog import place_stem
from assistant.document.compile import compile_vocabulary
from assistant.document.parse import EFFECTIVE, Block, heading_title
from assistant.language.lexicon import Lexicon
from assistant.question.decide import Resolution, Verdict
from assistant.document.index import DocIndex

def plan_examples(ix: DocIndex | None, t: dict) -> list[str]:
    """Questions this plan answers, made from its own matters, places and levels (shown where a
    question could not be answered, so that they always fit the plan at hand)."""
    if ix is None or not ix.matters:
        return [t["examples"]["document"]]
    matters = sorted((e.matter for e in ix.matters), key=lambda m: (len(m["name"]), m["id"]))
    top = ix.levels[0] if ix.levels else None

    # Names that read as a matter by themselves: not a part of another ("资本金"), not a long list.
    short = [m for m in matters if 4 <= len(m["name"]) <= 10 and not m.get("part_of")] or matters
    out = []
    first = short[0]
    out.append(t["examples"]["payer"].format(matter=first["name"]))
    lower = next((m for m in short[1:] if any(o["level"] != top for o in m["outcomes"])), None)
    place = next((p for p, lv in ix.level_places.items() if lv != top and re.search(r"[县区市旗]$", p)), None)
    if lower and place:
        out.append(t["examples"]["place"].format(place=place, matter=lower["name"]))
    joint = next((m for m in short if "共同" in (m["outcomes"][0].get("authority") or "")), None)
    if joint:
        out.append(t["examples"]["joint_list"].format(authority=joint["outcomes"][0]["authority"]))
        out.append(t["examples"]["how"].format(matter=joint["name"]))
    out.append(t["examples"]["document"])
    return out


def numbered(title: str, number: str | None) -> str:
    """《标题》（文号）, or 《标题》 alone for a plan that states no 文号 (never its id in its place)."""
    return f"《{title}》（{number}）" if number else f"《{title}》"


def date_cn(iso: str | None) -> str:
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", iso or "")
    return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日" if m else (iso or "")


class Composer:
    def __init__(self, lex: Lexicon) -> None:
        self.t = lex.templates
        self.lex = lex

    # ------------------------------------------------------------ citations
    def _cite(self, out: dict, index: DocIndex, anchor: str, quote: str | None = None) -> int:
        block = index.doc.block(anchor)
        quote = quote if quote is not None else (block.text if block else "")
        for i, c in enumerate(out["citations"]):
            if c["doc_id"] == index.doc_id and c["anchor"] == anchor and c["quote"] == quote:
                return i
        out["citations"].append({
            "doc_id": index.doc_id, "doc_number": index.meta("doc_number"), "title": index.doc.title,
            "path": list(block.path) if block else [], "paragraph": block.paragraph if block else None,
            "label": index.doc.label(block) if block else index.doc.doc_number,
            "anchor": anchor, "quote": quote,
        })
        return len(out["citations"]) - 1

    def _basis(self, out: dict) -> str:
        lines = []
        for c in out["citations"]:
            # A label names its plan by 文号, or by its id where the plan states none.
            short = c["label"].replace(c["doc_number"] or c["doc_id"], "").strip()
            template = self.t["basis"] if c["doc_number"] else self.t["basis_no_number"]
            lines.append(template.format(title=c["title"], doc_number=c["doc_number"], short=short, quote=c["quote"]))
        return "\n".join(lines)

    # ------------------------------------------------------------ verdicts
    def _payer_text(self, payer: str, v: Verdict) -> str:
        for m in v.scope:
            if m.level == payer and m.surface not in (payer, v.index.label_of(payer)) and len(m.surface) >= 2 \
                    and m.surface in v.index.level_places:
                return f"{payer}（{m.surface}）"
        return payer

    def _principle(self, principle: str | None) -> str:
        return self.t["principle_phrase"].get(principle, "") if principle else ""

    def _principle_note(self, o: dict) -> str:
        """"（按属地原则）" after a verdict, or nothing for a principle templates.yaml has no words for."""
        phrase = self._principle(o.get("principle"))
        return f"（{phrase}）" if phrase else ""

    def _assignment(self, o: dict, v: Verdict) -> str:
        """"属于市级财政事权，由市承担支出责任", or only who pays where the plan states no 事权."""
        paying = f"由{self._payer_text(o['payer'], v)}承担支出责任"
        return f"属于{o['authority']}，{paying}" if o["authority"] else paying

    def _branch(self, o: dict, v: Verdict) -> str:
        level = o["level"]
        cond = o.get("condition")
        label = v.index.label_of(level) if level else ""
        who = cond if cond else f"{label}层面的{v.matter['name']}" if level else v.matter["name"]
        text = f"{who}，{self._assignment(o, v)}"
        text += self._principle_note(o)
        if o.get("shares"):
            text += _shares_text(o["shares"])
        return text

    def _verdict_text(self, v: Verdict) -> str:
        name = v.matter["name"]
        outcomes = v.outcomes
        prefix = {"yes": self.t["answer_yes"], "no": self.t["answer_no"], "depends": self.t["answer_depends"]}.get(v.answer or "", "")
        if v.aid:   # the help, in the plan's own words, before the verdict on who bears the cost
            helps = compile_vocabulary()["helps"]
            said = [c for o in outcomes if isinstance(o.get("shares"), str) for c in re.split(r"[，,；;]", o["shares"])
                    if re.search(helps, c) and any(lv in c for lv in v.aid)]
            if said:
                prefix += self.t["aid_said"].format(help=said[0].strip("（）()。"))
        note = ""
        if v.only_levels and v.answer != "yes":   # (是: the asked level helps, as the verdict's own words say)
            asked = "、".join(dict.fromkeys(m.surface for m in v.scope))
            note = f"方案未将{asked}的“{name}”列为其事项，仅列为{'、'.join(v.index.label_of(l) for l in v.only_levels)}事项。"
        # (a joint verdict under a condition, "属于市县级机构的", is one case, listed with the others)
        joint = next((o for o in v.matter["outcomes"] if "共同" in o["authority"] and not o.get("condition")), None) or \
            next(({**o, "authority": o["headline"], "level": "-"} for o in v.matter["outcomes"]
                  if "共同" in (o.get("headline") or "") and not o.get("condition")), None)
        if len(outcomes) == 1 and not v.details:
            o = outcomes[0]
            # (an English level word, "the city", is said as the plan's level: 市级)
            said = list(dict.fromkeys(m.surface if re.search(r"[\u4e00-\u9fff]", m.surface)
                                      else v.index.label_of(m.level) for m in v.scope if m.level == o["level"]))
            # ("区市监局…区里…", "钦北区…区里": one level said twice is said once, in its longest form)
            surface = max(said, key=len) if said else ""
            subject = f"{surface}的{name}" if surface and not name.startswith(surface) else name
            if o.get("condition") and o["level"] is None:
                subject += f"（{o['condition']}）"   # a case of a joint verdict: "第一档（内蒙古、广西、重庆…）"
            if o.get("condition") and o["level"]:
                body = f"{subject}：{self._branch(o, v)}。"
            else:
                body = subject + self._assignment(o, v)
                body += self._principle_note(o) + \
                    (_shares_text(o["shares"]) if o.get("shares") else "") + "。"
                if not o["authority"]:
                    body += self.t["authority_unstated"]
            if joint and joint is not o and "共同" not in o["authority"]:
                body += f"（该事项整体确认为{joint['authority']}。）"
            return prefix + note + body
        principles = [o["principle"] for o in outcomes if o.get("principle")]
        principle = self._principle(principles[0]) if principles and len(set(principles)) == 1 else ""
        if joint:
            head = f"{name}确认为{joint['authority']}"
            if joint["level"] is None:
                head += f"，由{joint['payer']}承担支出责任"
                if joint.get("shares"):
                    head += _shares_text(joint["shares"])
            head += "。"
        else:
            levels = "、".join(dict.fromkeys(v.index.label_of(o["level"]) for o in outcomes if o["level"]))
            head = f"{name}{principle}分情况：" if any(o["level"] is None for o in outcomes) \
                else f"{name}{principle}由{levels}分别承担支出责任，分情况：" if "、" in levels \
                else f"{name}{principle}由{levels}承担支出责任，分情况："   # two parts at one level
        lines = [f"{i}. {self._branch(o, v)}；" for i, o in enumerate((o for o in outcomes + v.details
                                                                     if o["level"] or o.get("condition")), 1)]
        if lines:
            lines[-1] = lines[-1].rstrip("；") + "。"
        if joint and lines:
            head += "具体为："   # (the same verdict said in two paragraphs has no cases to list)
        if any(not o["authority"] for o in outcomes):
            lines.append(self.t["authority_unstated"])
        return prefix + note + head + ("\n" + "\n".join(lines) if lines else "")

    # ------------------------------------------------------------ entry
    def compose(self, res: Resolution, loaded: list[dict]) -> dict:
        """`loaded`: every plan's meta (title, 文号), for answers that list what is loaded."""
        out: dict = {"status": res.status, "answer": "", "findings": [], "citations": [], "suggestions": [],
                     "options": [dict(o) for o in res.options]}
        handler = getattr(self, f"_compose_{res.kind}")
        text = handler(res, out, loaded)
        if res.corrections:
            read = "，".join(self.t["spelling_each"].format(written=f.written, read=f.read) for f in res.corrections)
            text += "\n" + self.t["spelling_note"].format(fixes=read)   # after the verdict: the lead stays first
        if res.injection:
            text = self.t["injection_note"] + "\n" + text
        basis = self._basis(out)
        out["answer"] = text + ("\n" + basis if basis else "")
        return out

    def _compose_verdict(self, res: Resolution, out: dict, loaded) -> str:
        parts, notes = [], []
        for v in res.verdicts:
            for o in v.outcomes:
                ci = self._cite(out, v.index, o["anchor"], o["quote"])
                if o.get("via"):   # a part named in a sentence of its own: the rule it is paid by is cited too
                    self._cite(out, v.index, o["via"]["anchor"], o["via"]["quote"])
                finding = {"matter": v.matter["name"], "level": o["level"], "authority": o["authority"],
                           "payer": o["payer"], "principle": o["principle"], "citation": ci}
                if v.aid:   # "省财政给不给钱" answered 是: the money asked about is the helping level's
                    finding.update(payer="、".join(v.aid), aid=True, bears=o["payer"])
                if o.get("shares"):
                    finding["shares"] = o["shares"]
                if o.get("condition"):
                    finding["condition"] = o["condition"]
                out["findings"].append(finding)
            parts.append(self._verdict_text(v))
            # "曲靖经开区…": the paragraph that places the area at its level is part of the basis.
            for m in v.scope:
                # "镇上办的…": the plan has no 乡镇 level; its county's verdict is given, and said so.
                inside = m.inside and self.t["inside_note"].format(
                    surface=m.surface, inside=m.inside, level=v.index.label_of(m.level))
                if inside and inside not in notes:
                    notes.append(inside)
                zone = v.index.zones.get(m.surface)
                note = zone and self.t["zone_note"].format(name=zone["name"], level=v.index.label_of(zone["level"]))
                if zone and note not in notes:
                    self._cite(out, v.index, zone["anchor"], zone["quote"])
                    notes.append(note)
        parts += notes
        if res.unlisted:   # "专利导航和专利资助分别谁出": the part the plan does not list is said so
            parts.append(self.t["also_not_listed"].format(topics="、".join(f"“{u}”" for u in res.unlisted)))
        if len(res.verdicts) > 1:
            # "两个都是县里自己出？": one 是/不是 for the whole question when every matter's agrees.
            lead = {"yes": self.t["answer_yes"], "no": self.t["answer_no"]}.get(res.lead or "", "")
            parts.insert(0, lead + self.t["several_matters"].format(n=len(res.verdicts)))
        if res.options:   # other loaded plans answer it too
            parts.append(self.t["also_in"].format(n=len(res.options)) + "\n" + self._numbered(res.options))
        out["suggestions"] = self._suggest(res)
        return "\n".join(parts)

    def _compose_no_amount(self, res: Resolution, out: dict, loaded) -> str:
        """A quantity the plan does not state: said so, then the verdicts as context, quoted and
        cited, but no findings (the plan's answer to "how much" is none)."""
        parts = [self.t["no_amount"].format(topic=res.topic)]
        for v in res.verdicts:
            for o in v.outcomes:
                self._cite(out, v.index, o["anchor"], o["quote"])
            parts.append(self._verdict_text(v))
        out["suggestions"] = self._suggest(res)
        return "\n".join(parts)

    def _compose_list(self, res: Resolution, out: dict, loaded) -> str:
        flt = res.list_filter or {}
        desc = []
        if flt.get("joint_payment"):   # "由市与县区共同承担支出责任的": the levels share the cost, not each its own
            desc.append("由" + "与".join(res.index.label_of(l) for l in flt.get("levels") or res.index.levels)
                        + "共同承担支出责任的")
        elif flt.get("levels"):
            desc.append("、".join(res.index.label_of(l) for l in flt["levels"]) + "承担的")
        if flt.get("categories"):
            desc.append("、".join(heading_title(c) for c in flt["categories"]) + "方面")
        if flt.get("principle"):
            desc.append(f"按{flt['principle']}划分支出责任的")
        if flt.get("joint") and not flt.get("joint_payment"):
            desc.append("属于共同财政事权的")
        lines = []
        for i, v in enumerate(res.verdicts, 1):
            parts = []
            for o in v.outcomes:
                ci = self._cite(out, v.index, o["anchor"], o["quote"])
                out["findings"].append({"matter": v.matter["name"], "level": o["level"], "authority": o["authority"],
                                        "payer": o["payer"], "principle": o["principle"], "citation": ci})
                parts.append(f"{o['authority'] or '事权未写明'}，由{o['payer']}承担" if not o["level"] or len(v.outcomes) == 1
                             else f"{res.index.label_of(o['level'])}：由{o['payer']}承担")
            lines.append(f"{i}. {v.matter['name']}（{'；'.join(dict.fromkeys(parts))}）")
        head = f"方案中{''.join(desc) or '列明的'}事项共{len(res.verdicts)}项："
        out["suggestions"] = self._plan_suggestions(res.index)[:2]
        return head + "\n" + "\n".join(lines)

    def _compose_fact(self, res: Resolution, out: dict, loaded) -> str:
        text = self._fact_text(res, out)
        if res.yes_no:
            verdict = _fact_premise(res, self.lex)
            if verdict:
                text = self.t["answer_yes" if verdict == "yes" else "answer_no"] + text
        return text

    def _fact_text(self, res: Resolution, out: dict) -> str:
        ix = res.index
        meta = ix.doc.meta
        title = ix.doc.title

        def cite(key: str) -> None:
            fact = meta.get(key) or {}
            if fact.get("anchor"):
                self._cite(out, ix, fact["anchor"], fact.get("quote"))

        key = res.fact
        out["suggestions"] = [self.t["examples"]["issuer"], self.t["examples"]["document"],
                              *self._plan_suggestions(ix)[:1]]
        if key == "doc_number":
            cite("doc_number")
            number = ix.meta("doc_number")
            return f"《{title}》的文号是{number}。" if number else f"《{title}》原文未载明文号。"
        if key == "issuer":
            cite("issuer")
            date = date_cn(ix.meta("date_issued"))
            return f"该方案由{ix.meta('issuer') or '（原文未写明）'}印发" + (f"，成文日期为{date}。" if date else "。")
        if key == "date_issued":
            cite("date_issued")
            if ix.meta("date_issued"):
                return f"该方案的成文日期为{date_cn(ix.meta('date_issued'))}。"
            shown = (meta.get("date_published") or {}).get("quote")
            # (the page's own "发布时间", as it shows it: when the text was put up, not when it was signed)
            return f"方案原文未写明成文日期；所在网页标注的发布时间为{shown}。" if shown else "方案原文未写明成文日期。"
        if key == "date_effective":
            cite("date_effective")
            rule = meta.get("effective_rule", {}).get("value") or ""
            m = EFFECTIVE.search(rule)
            when = date_cn(ix.meta("date_effective"))
            said = m.group(0) if m else ""
            # (the date once: "该方案从2019年1月1日起实施。", "该方案自印发之日起施行，即自2025年7月31日起施行。")
            return (f"该方案{said or '的施行日期见原文'}" + (f"，即自{when}起施行。" if when and when not in said else "。"))
        if key == "interpreter":
            cite("interpreter")
            who = ix.meta("interpreter")
            return f"该方案的具体解释工作由{who}承担。" if who else "解释工作的规定见下列原文。"
        if key == "upper_documents":
            docs = meta.get("upper_documents") or []
            for d in docs:
                self._cite(out, ix, d["anchor"], d["quote"])
            if not docs:
                return "方案原文未列出所依据的上级文件。"
            lines = [f"{i}. 《{d['title']}》（{d['doc_number']}）" for i, d in enumerate(docs, 1)]
            return f"该方案是为贯彻落实以下{len(docs)}个上级文件精神而制定的：\n" + "\n".join(lines)
        if key in ("measures", "goal"):
            words = ("保障",) if key == "measures" else ("总体要求", "指导思想", "目标", "基本原则")
            blocks = self._part_paragraphs(ix, words)
            if key == "measures":
                blocks = [b for b in blocks if "解释" not in b.text] or blocks
            for b in blocks:
                self._cite(out, ix, b.anchor)
            if not blocks:
                return "方案原文没有单列这部分内容。"
            heading = blocks[0].path[0] if blocks[0].path else ""
            if key == "goal":
                m = re.search(r"(建立[^，。]*?财政关系)", blocks[0].folded)
                goal = f"改革的目标是{m.group(1)}。" if m else ""
                return f"方案“{heading}”部分规定了改革的总体要求。{goal}"
            return self.t["measures"].format(heading=heading)
        if key == "parts":
            parts = [b for b in ix.doc.blocks if b.kind == "heading" and not b.path and not b.anchor.startswith("h-att")]
            for b in parts:
                first = next((p for p in ix.doc.blocks if p.kind == "paragraph" and p.path and p.path[0] == b.text), None)
                if first:
                    self._cite(out, ix, first.anchor)
            return f"方案正文分为{len(parts)}个部分：\n" + "\n".join(b.text for b in parts)
        if key == "categories":
            cats = list(dict.fromkeys(m["category"] for m in ix.rules["matters"] if m.get("category")))
            for cat in cats:
                block = next((b for b in ix.doc.blocks if b.kind == "heading" and b.text == cat), None)
                first = next((b for b in ix.doc.blocks if b.kind == "paragraph" and b.path and b.path[-1] == cat), None)
                if first:
                    self._cite(out, ix, first.anchor)
                elif block:
                    self._cite(out, ix, block.anchor, block.text)
            # "…财政事权主要包括公共卫生、医疗保障、计划生育、能力建设等四个方面": the kinds the text itself names
            said = None if cats else _said_in_text(
                ix, r"主要(?:包括|分为|涉及)([^。；;]{4,80}?)等?([一二三四五六七八九十\d]+)(?:个|大)?(?:方面|类|部分)")
            if said:
                kinds = [k for k in re.split(r"[、，,和及]", said[1].group(1)) if k]
                self._cite(out, ix, said[0].anchor)
                return f"据原文，财政事权主要包括{len(kinds)}个方面：\n" + "\n".join(
                    f"{i}. {k}" for i, k in enumerate(kinds, 1))
            if not cats:   # a page with no headings over its rules (a news summary): the matters it lists
                names = []
                for m in ix.rules["matters"]:
                    if m["name"] not in names:
                        names.append(m["name"])
                        self._cite(out, ix, m["outcomes"][0]["anchor"], m["outcomes"][0]["quote"])
                if not names:
                    return "方案原文未列出分类，也没有可读出的具体事项。"
                return f"方案没有按类列标题，它列明的事项有{len(names)}项：\n" + "\n".join(
                    f"{i}. {n}" for i, n in enumerate(names, 1))
            return f"方案的主要内容按{len(cats)}类事项划分财政事权和支出责任：\n" + "\n".join(cats)
        if key == "drafter":
            # "由省财政厅牵头,…研究起草了…": who the text says led the drafting (a reading's 起草过程)
            found = _said_in_text(ix, r"由([^，。；,;]{2,16}?)牵头[^。]*?起草")
            if found is None:
                return "方案原文未写明由哪个部门牵头起草。"
            self._cite(out, ix, found[0].anchor)
            return f"据原文，方案由{found[1].group(1)}牵头起草。"
        if key == "approval":
            block = next((b for b in ix.doc.blocks if b.kind == "notice_paragraph" and re.search(r"(同意|批准|审议通过)", b.text)), None)
            if block is None:
                return "方案原文未写明经何机关同意或批准。"
            self._cite(out, ix, block.anchor)
            m = re.search(r"(已?经)([^，。]*?)(同意|批准|审议通过)", block.folded)
            return f"该方案{m.group(0)}后印发。" if m else "见印发通知原文。"
        if key == "addressees":
            cite("addressees")
            return f"该方案的主送单位是：{ix.meta('addressees')}。" if ix.meta("addressees") else "方案原文未列主送单位。"
        if key == "notice_title" and meta.get("notice_title"):
            cite("notice_title")
            return f"印发通知的标题是{numbered(ix.meta('notice_title'), ix.meta('doc_number'))}。"
        if key in ("title", "notice_title"):
            cite("title")
            return f"方案全称为{numbered(title, ix.meta('doc_number'))}。"
        if key == "catch_all":
            ca, residual = ix.rules.get("catch_all"), ix.rules.get("residual")
            for clause in (residual, ca):
                if clause:
                    self._cite(out, ix, clause["anchor"], clause["quote"])
            if residual:
                return self.t["residual"].format(quote=residual["quote"])
            if ca:
                return "方案未列明的事项，按兜底条款处理，原文如下。"
            return "方案没有关于未列事项的兜底规定。"
        return ""

    @staticmethod
    def _part_paragraphs(ix: DocIndex, words: tuple[str, ...]) -> list[Block]:
        out = []
        for b in ix.doc.blocks:
            if b.kind == "paragraph" and b.path and any(w in b.path[0] for w in words):
                out.append(b)
        return out

    def _compose_passage(self, res: Resolution, out: dict, loaded) -> str:
        block = res.index.doc.block(res.passage)
        self._cite(out, res.index, block.anchor)
        out["suggestions"] = plan_examples(res.index, self.t)[:3]
        where = f"“{block.path[0]}”部分" if block.path else "原文"
        if res.status == "not_listed":
            return self.t["passage_not_listed"].format(topic=res.topic, where=where)
        if re.search(r"承担|支出责任|事权|分担|负担", block.folded):
            return self.t["passage"].format(where=where)
        return self.t["passage_no_payer"].format(where=where)

    def _compose_not_listed(self, res: Resolution, out: dict, loaded) -> str:
        ix = res.index
        ca = ix.rules.get("catch_all") if ix else None
        out["suggestions"] = plan_examples(ix, self.t)[:3]
        residual = ix.rules.get("residual") if ix else None
        nearest = ("\n" + self.t["did_you_mean"] + "\n" + self._numbered(res.options)) if res.options else ""
        lead = self.t["answer_no"] if res.lead == "no" else ""   # a kind of spending the plan lists none of
        if ca:
            self._cite(out, ix, ca["anchor"], ca["quote"])
            text = self.t["not_listed"].format(topic=res.topic, catch_all=f"“{ca['quote']}”")
            if residual:
                self._cite(out, ix, residual["anchor"], residual["quote"])
                text += self.t["residual_also"].format(quote=residual["quote"])
            return lead + text + nearest
        return lead + self.t["not_listed_no_catch_all"].format(topic=res.topic) + nearest

    def _numbered(self, options: list[dict]) -> str:
        """Options as numbered lines, for a channel or a terminal where they cannot be tapped."""
        return "\n".join(f"{i}. {o['label']}" for i, o in enumerate(options, 1)) + "\n" + self.t["pick_by_number"]

    def _compose_which_plan(self, res: Resolution, out: dict, loaded) -> str:
        """Several loaded plans answer a question that names none of them: which one is meant?"""
        out["suggestions"] = []
        return self.t["which_plan"] + "\n" + self._numbered(res.options)

    def _compose_not_loaded(self, res: Resolution, out: dict, loaded: list[dict]) -> str:
        docs = "；".join(numbered(m["title"], m["doc_number"]) for m in loaded)
        out["suggestions"] = plan_examples(res.index, self.t)[:3]
        return self.t["not_loaded"].format(topic=res.topic, documents=docs)

    def _compose_other_field(self, res: Resolution, out: dict, loaded: list[dict]) -> str:
        # No catch-all quoted: it covers the plan's own field's unlisted work, not another field's.
        out["suggestions"] = plan_examples(res.index, self.t)[:3]
        field = res.index.meta("field")
        scope = self.t["field_scope"].format(field=field, title=res.index.doc.title) if field else ""
        return self.t["not_listed_other_field"].format(topic=res.topic, scope=scope)

    def _compose_other_level(self, res: Resolution, out: dict, loaded: list[dict]) -> str:
        levels = "与".join(res.index.label_of(lv) for lv in res.index.levels)
        lead = self.t["not_listed_other_level"].format(doer=res.inside, level=res.above, topic=res.topic, levels=levels)
        return self._asking(lead, res, out) if res.options else lead

    def _compose_out_of_scope(self, res: Resolution, out: dict, loaded: list[dict]) -> str:
        examples = plan_examples(res.index, self.t)[:4]
        out["suggestions"] = examples
        titles = "、".join(f"《{m['title']}》" for m in loaded) if len(loaded) > 1 else \
            f"《{res.index.doc.title if res.index else (loaded[0]['title'] if loaded else '财政事权和支出责任划分方案')}》"
        return self.t["out_of_scope"].format(title=titles) + "\n" + "\n".join(f"· {q}" for q in examples)

    def _asking(self, lead: str, res: Resolution, out: dict) -> str:
        """A question back with the options to tap (and to send again as suggestions)."""
        out["suggestions"] = [o["question"] for o in out["options"]]
        return lead + "\n" + self._numbered(res.options)

    def _compose_which_level(self, res: Resolution, out: dict, loaded) -> str:
        lead = self.t["which_level_inside"].format(topic=res.topic, inside=res.inside) if res.inside \
            else self.t["which_level"].format(topic=res.topic)
        return self._asking(lead, res, out)

    def _compose_near(self, res: Resolution, out: dict, loaded) -> str:
        return self._asking(self.t["clarify_near"].format(topic=res.topic), res, out)

    def _compose_clarify(self, res: Resolution, out: dict, loaded) -> str:
        if res.options:   # "地理标志谁出钱？": the plan lists more than one matter of that name
            return self._asking(self.t["clarify_options"].format(topic=res.topic), res, out)
        examples = plan_examples(res.index, self.t)[:4]
        out["suggestions"] = examples
        return self.t["clarify"] + "\n" + "\n".join(f"· {q}" for q in examples)

    def _suggest(self, res: Resolution) -> list[str]:
        out = []
        v = res.verdicts[0]
        levels = v.index.levels
        named = [m.level for m in v.scope if m.level]
        name = v.matter["name"]
        if named:
            others = [l for l in levels if l not in named]
            if others:
                out.append(f"那{others[0]}的呢？")
        else:
            out.append(f"{levels[-1] if levels else ''}开展的{name}由谁承担？")
        joint = next((o["authority"] for o in v.matter["outcomes"] if "共同" in (o["authority"] or "")), None)
        out.append(self.t["examples"]["joint_list"].format(authority=joint) if joint
                   else self._plan_suggestions(v.index)[-1])
        out.append(self.t["examples"]["catch_all"])
        return out

    def _plan_suggestions(self, ix: DocIndex | None) -> list[str]:
        """List questions this plan answers: its own joint authority (as the plan writes it) and a
        principle it uses — never another plan's wording."""
        outcomes = [o for e in (ix.matters if ix else []) for o in e.matter["outcomes"]]
        joint = next((o["authority"] for o in outcomes if "共同" in (o["authority"] or "")), None)
        principle = next((o["principle"] for o in outcomes if o.get("principle")), None)
        out = []
        if joint:
            out.append(self.t["examples"]["joint_list"].format(authority=joint))
        if principle:
            out.append(self.t["examples"]["principle_list"].format(
                principle=self.t["principle_phrase"].get(principle, principle)))
        return out or [self.t["examples"]["catch_all"]]


_NUMBER_PARTS = re.compile(r"([\u4e00-\u9fff]{1,12})\s*[〔（(\[【]\s*(\d{4})\s*[〕）)\]】]\s*第?\s*(\d+)\s*[号號]")
_DATE_IN_TEXT = re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})[日号])?)?")   # 1月1号 as 1月1日
_DAY_IN_TEXT = re.compile(r"(?<!\d年)(?<!\d)(\d{1,2})月(\d{1,2})[日号]")
_ORG_IN_TEXT = re.compile(r"[\u4e00-\u9fff]{1,10}?(?:局|办公室|办公厅|人民政府|政府|委员会|厅|单位)+")
_BODY_LEVEL = re.compile(r"国务院|中央|自治区|省|州|市|县|区")


_BODIES_SPLIT = re.compile(r"[、，,和与及]|会同")


def _said_in_text(ix: DocIndex, pattern: str) -> tuple | None:
    """The first paragraph of the plan or its notice whose text says `pattern`, with the match (a fact the text
    states in running words: "由省财政厅牵头…起草", "主要包括…等四个方面")."""
    return next(((b, m) for b in ix.doc.blocks if b.kind in ("paragraph", "notice_paragraph")
                 and (m := re.search(pattern, b.folded))), None)


def _bare_body(body: str, ix) -> str:
    """A body's name without the plan's place and 人民 ("钦州市人民政府办公室" → 市政府办公室)."""
    stem = place_stem(ix.meta("place")) or ""
    return body.replace("人民", "").replace(stem, "") if stem else body.replace("人民", "")


def _level_of_body(body: str) -> str | None:
    """The level of a government body by its last level word (its place's 州 of 钦州 comes first:
    "钦州市人民政府办公室" → 市)."""
    found = _BODY_LEVEL.findall(body)
    return found[-1] if found else None


def _fact_premise(res: Resolution, lex: Lexicon) -> str | None:
    """For "文号是…吗？"-style questions: does the value the user states match the plan's?"""
    ix, key, q = res.index, res.fact, res.question
    value = ix.meta({"notice_title": "title"}.get(key, key)) if key != "date_effective" else None
    if key == "doc_number":
        # Compare the number itself (issuer's short name, year, serial) whatever brackets were typed:
        # "钦政办(2025)15號" is 钦政办〔2025〕15号; a match of the loose pattern may run back into the
        # question's words ("…是不是钦政办〔2025〕15号"), so only the short name before the year counts.
        number = ix.meta("doc_number")
        own = _NUMBER_PARTS.search(number or "")
        stated = _NUMBER_PARTS.findall(q)
        if not own or not stated:
            return None
        return "yes" if any(p[0].endswith(own.group(1)) and p[1:] == own.groups()[1:] for p in stated) else "no"
    if key in ("date_issued", "date_effective"):
        # "2025年7月31日", "2025年7月" or "2024年": as much of the date as the user states.
        stated = ["-".join(f"{int(p):02d}" for p in parts if p) for parts in _DATE_IN_TEXT.findall(q)]
        if stated and ix.meta(key):
            return "yes" if any(ix.meta(key).startswith(d) for d in stated) else "no"
        # "从明年1月1号起才施行": a month and day with no year, against the plan's own date's
        day = _DAY_IN_TEXT.search(q)
        if day and ix.meta(key):
            return "yes" if ix.meta(key)[5:] == f"{int(day.group(1)):02d}-{int(day.group(2)):02d}" else "no"
        rule = (ix.doc.meta.get("effective_rule") or {}).get("value") or ""
        phrase = re.search(r"自(?P<when>[^，。；]*?)起(施行|执行|实施)", rule)
        if key == "date_effective" and phrase:
            # "是不是印发之日就施行了": the point in time the rule names, however the rest is said
            return "yes" if phrase.group("when") in q else None
        return None
    if key == "catch_all" and ix.rules.get("catch_all"):
        # "方案没列的事项一律归市里出钱吗": only a level the catch-all itself names can be 是
        claimed = {lv for alias, lv in ix.level_aliases.items() if len(alias) >= 2 and alias in q}
        named = {lv for alias, lv in ix.level_aliases.items() if len(alias) >= 2 and alias in ix.rules["catch_all"]["quote"]}
        return None if not claimed else "yes" if claimed <= named else "no"
    if key == "addressees" and isinstance(value, str):
        # "发给中马钦州产业园区管委会了吗": one of the addressees named as written is 是; another name may still be
        # one of them in other words ("灵山县政府" of 各县、区人民政府), so no 不是
        return "yes" if any(len(a) >= 4 and a in q for a in re.split(r"[，,]", value)) else None
    if isinstance(value, str) and value:
        if value in q:
            return "yes"
        stated = [m.group(0) for m in _ORG_IN_TEXT.finditer(q)]
        # "是市财政局负责解释的吧" of "市财政局、市市场监管局会同…", "是市政府办公室发的吧" of 钦州市人民政府办公室:
        # every body the user names is one of the plan's, said without its place or 人民
        bodies = [b for b in map(lambda s: _bare_body(s, ix), _BODIES_SPLIT.split(value)) if len(b) >= 3]
        if stated and all(any(_bare_body(s, ix).endswith(b) for b in bodies) for s in stated):
            # ("由市财政局一家负责解释吗": not all of them, said as alone)
            alone = lex.grammar["exclusive"].search(q) and len(stated) < len(bodies)
            return "no" if alone else "yes"
        if key == "issuer":
            # "是自治区政府发的吧" of a city government's office: another level's body is 不是; the same
            # level's in other words ("市政府发的吧" of 钦州市人民政府办公室) may be its office: no lead
            level = _level_of_body
            other = [b for b in stated if level(b) and level(b) != level(value)
                     or not re.search(r"(人民)?政府$", b)]   # another level, or another body (…财政局)
            return "no" if other else None
        return "no" if stated else None
    return None


def _shares_text(shares) -> str:
    if isinstance(shares, dict):
        return "，分担比例：" + "，".join(f"{lv}{round(v * 100)}%" for lv, v in shares.items())
    return f"（{shares}）"
