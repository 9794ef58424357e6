"""China's county-level and higher divisions (data/divisions.tsv): which place a question names,
and whether it lies inside a plan's area, is the plan's own place, or lies elsewhere."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.config import PACKAGE_DATA

_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市|盟|地区|自治州|州|自治县|自治旗|县|区|旗)$")
# Nationalities named before 自治州/自治县/自治旗 ("黔东南苗族侗族自治州" → 黔东南).
_NATIONALITIES = ("汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 东乡 纳西 "
                  "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 "
                  "德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 高山 各").split()
_NATIONALITY = re.compile("(?:" + "|".join(sorted(_NATIONALITIES, key=len, reverse=True)) + ")族?$")


def short_name(name: str) -> str:
    stem = _SUFFIX.sub("", name)
    if name.endswith(("自治州", "自治县", "自治旗")):
        while _NATIONALITY.search(stem) and len(_NATIONALITY.sub("", stem)) >= 2:
            stem = _NATIONALITY.sub("", stem)
    return stem


# A short name followed by one of these is a feature's name, not the place ("鄱阳湖", "黄山路").
_FEATURE = re.compile(r"[湖江河山海岛湾峡泉溪水路街桥港塘洲岭峰]")


def names_feature(text: str, start: int, end: int) -> bool:
    """Is text[start:end], a short place name, part of a lake's, river's or street's name — or a
    two-character county name that is really a word and a level ("市和县区" is not 和县)?"""
    name = text[start:end]
    if len(name) == 2 and name.endswith("县"):
        return name[0] in "和与及或各本该全我某每到在向从给对由等省市州" or text[end:end + 1] in tuple("区级里财城域乡镇直属")
    return not _SUFFIX.search(name) and bool(_FEATURE.match(text[end:end + 1]))


@dataclass
class Gazetteer:
    names: dict[str, str]                              # code → full name
    lookup: dict[str, tuple[str, ...]] = field(default_factory=dict)   # name or short name → codes
    longest: int = 2
    blocked: frozenset[str] = frozenset()                # ordinary words first (places.yaml)

    @staticmethod
    def parent(code: str) -> str | None:
        if code.endswith("0000"):
            return None
        if code.endswith("00"):
            return code[:2] + "0000"
        city = code[:4] + "00"
        return city if not city.endswith("9000") else code[:2] + "0000"   # 省直辖县级单位

    def ancestors(self, code: str) -> list[str]:
        out = []
        up = self.parent(code)
        while up:
            if up in self.names:
                out.append(up)
            up = self.parent(up)
        return out

    def within(self, code: str, area: str) -> bool:
        """Is `code` inside `area` (strictly)?"""
        return area in self.ancestors(code)

    def related(self, code: str, area: str) -> bool:
        return code == area or self.within(code, area) or self.within(area, code)

    def descendants(self, area: str) -> list[str]:
        return [c for c in self.names if self.within(c, area)]

    def locate(self, place: str | None, context: str = "") -> list[str]:
        """The codes a plan's place name stands for; an ambiguous one ("朝阳区") is narrowed by the
        higher places its title or issuer names."""
        if not place:
            return []
        found = self.lookup.get(place) or self.lookup.get(short_name(place)) or self.lookup.get(place[:-1]) or ()
        codes = [c for c in found if self.names[c] == place] or list(found)
        if len(codes) > 1 and context:
            narrowed = [c for c in codes if any(short_name(self.names[a]) in context for a in self.ancestors(c))]
            codes = narrowed or codes
        return codes

    def scan(self, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """Place names in `text`, longest first at each position: (start, end, codes)."""
        out = []
        i, n = 0, len(text)
        while i < n:
            for length in range(min(self.longest, n - i), 1, -1):
                codes = self.lookup.get(text[i:i + length])
                if codes and not names_feature(text, i, i + length):
                    out.append((i, i + length, codes))
                    i += length
                    break
            else:
                i += 1
        return out


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    import yaml

    names: dict[str, str] = {}
    for line in (PACKAGE_DATA / "divisions.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t")
            names[code] = name
    spec = yaml.safe_load((PACKAGE_DATA / "places.yaml").read_text(encoding="utf-8")) or {}
    not_stems = set(spec.get("not_place_names") or [])
    lookup: dict[str, list[str]] = {}
    for code, name in names.items():
        county = not code.endswith("00")
        # Two-character district names ("城区", "郊区", "矿区") are ordinary words first; 县 ones
        # ("临县", "歙县") are not.
        if not (county and len(name) <= 2 and not name.endswith("县")) and name not in not_stems:
            lookup.setdefault(name, []).append(code)
        stem = short_name(name)
        # Short names of provinces and cities are how people say them ("广东", "南宁"); a county's
        # short name is kept only for counties of a loaded plan (see `area_places`).
        if not county and len(stem) >= 2 and stem != name and stem not in not_stems:
            lookup.setdefault(stem, []).append(code)
    gaz = Gazetteer(names, {k: tuple(v) for k, v in lookup.items()}, blocked=frozenset(not_stems))
    gaz.longest = max(map(len, gaz.lookup))
    return gaz


def area_places(gaz: Gazetteer, area_codes: list[str], levels: list[str]) -> dict[str, str]:
    """The places inside a plan's area, by their full and short names, each at the plan's level
    for it: cities at the level named with 市, counties at the one named with 县 or 区, else the
    plan's lowest level ("省/市县": both at 市县)."""
    if len(levels) < 2:
        return {}
    lower = levels[1:]
    city_level = next((lv for lv in lower if "市" in lv), lower[-1])
    county_level = next((lv for lv in reversed(lower) if re.search(r"县|区|旗", lv)), lower[-1])
    out: dict[str, str] = {}
    for area in area_codes:
        for code in gaz.descendants(area):
            name = gaz.names[code]
            level = county_level if not code.endswith("00") else city_level
            stem = short_name(name)
            for alias in (name, stem):
                if len(alias) >= 2 and alias not in out and alias not in gaz.blocked \
                        and not (len(name) <= 2 and (alias == stem or not name.endswith("县"))):
                    out[alias] = level
    return out


def unknown_places(text: str, own: str | None, grammar: dict, not_places: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of place names the vocabulary does not know ("陆良县", "林城镇", "宣威市"): 2–3 characters
    and a place suffix, starting where a word can start (the text's start, after punctuation, a
    particle, or the plan's own place)."""
    claim_before, joined = grammar["level_roles"]["claim_before"], grammar["level_roles"]["joined"]
    out: list[tuple[int, int]] = []
    for end_match in re.finditer(r"(县|区|旗|市|镇|乡)", text):
        end = end_match.end()
        for length in (3, 4):
            start = end - length
            if start < 0 or any(s <= start < e for s, e in out):
                continue
            name = text[start:end]
            before = text[:start]
            boundary = start == 0 or re.search(r"[，。？！、：；（）\s的在是和与对从到给向]$", before) \
                or (own and before.endswith((own, own + "市", own + "县", own + "省")))
            # "林城镇" is a town; "城镇", "小城镇" are not.
            town = len(name) >= 3 and name.endswith(("城镇", "集镇")) and not re.match(r"[小大新老]", name)
            if not boundary or not _UNKNOWN_PLACE.fullmatch(name) \
                    or (not town and any(name.endswith(w) for w in not_places)) \
                    or re.search(r"[和与及、市省的在是个某各全本我该那这换成如果若假改请问想要让给由归去来到往跑找赴还有都也就又再]", name[:-1]) \
                    or (own and name.startswith(own)):
                continue
            # "属于市与县区共同…": the suffix is a level word of its own, after a claim word or joined to a level.
            if any(p.search(text[:end - 1]) for p in claim_before) \
                    or (joined.match(text[end:]) and text[end + 1:end + 2] in "县区市省州乡镇"):
                continue
            if re.match(r"(级|里|域|财政|政府|场|民|政|本级|县|村)", text[end:end + 3]) \
                    or (not town and re.match(r"(卫生院|医院)", text[end:end + 3])):
                continue
            out.append((start, end))
            break
    return out


_UNKNOWN_PLACE = re.compile(r"[\u4e00-\u9fff]{2,3}(县|区|旗|市|镇|乡)")
