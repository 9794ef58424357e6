"""The national list of divisions: short names, a plan's area, places in questions."""
import pytest

from assistant.language.gazetteer import area_places, load_gazetteer, short_name


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


@pytest.mark.parametrize("name, short", [
    ("广西壮族自治区", "广西"), ("钦州市", "钦州"), ("会同县", "会同"), ("黔东南苗族侗族自治州", "黔东南"),
    ("融水苗族自治县", "融水"), ("伊犁哈萨克自治州", "伊犁"), ("鄂伦春自治旗", "鄂伦春"),
])
def test_short_names(name, short):
    assert short_name(name) == short


def test_a_county_lies_in_its_city_and_province(gaz):
    (qujing,) = gaz.locate("曲靖市")
    (xuanwei,) = gaz.locate("宣威市")
    (yunnan,) = gaz.locate("云南省")
    assert gaz.within(xuanwei, qujing) and gaz.within(xuanwei, yunnan) and gaz.within(qujing, yunnan)
    assert not gaz.within(qujing, xuanwei)
    (nanning,) = gaz.locate("南宁市")
    assert not gaz.related(nanning, qujing)


def test_an_ambiguous_place_is_narrowed_by_the_issuer(gaz):
    assert len(gaz.locate("朝阳区")) == 2
    (beijing_chaoyang,) = gaz.locate("朝阳区", "北京市朝阳区人民政府办公室")
    assert beijing_chaoyang.startswith("11")


@pytest.mark.parametrize("text, found", [
    ("南宁市和师宗县的专利导航", ["南宁市", "师宗县"]),
    ("广东的农村公路谁出钱", ["广东"]),
    ("鄱阳湖水生态环境保护谁出钱", []),          # a lake, not 鄱阳县; county short names are not read at all
    ("朝阳产业的专利导航", []),                  # an ordinary word first (places.yaml)
    ("城区的专利导航", []),                      # a two-character district name is an ordinary word first
    ("临县的生态环境规划谁出钱", ["临县"]),        # a two-character 县 is a county
    ("市和县区的保护事项", []),                   # …unless it is a word and a level (和 + 县区)
])
def test_scan_finds_places_not_words(gaz, text, found):
    assert [text[s:e] for s, e, _ in gaz.scan(text)] == found


def test_a_plans_counties_get_its_county_level(gaz):
    places = area_places(gaz, gaz.locate("曲靖市"), ["市", "县（市、区）"])
    assert places["师宗县"] == places["师宗"] == places["宣威市"] == "县（市、区）"
    assert "鄱阳" not in places
    province = area_places(gaz, gaz.locate("江西省"), ["省", "市县"])
    assert province["南昌市"] == province["鄱阳县"] == province["南昌县"] == "市县"
    assert area_places(gaz, gaz.locate("会同县"), ["县", "乡镇"]) == {}


@pytest.mark.parametrize("title, place", [
    ("钦州市知识产权领域市以下财政事权和支出责任划分改革实施方案", "钦州市"),
    ("湖南省郴州市生态环境领域市以下财政事权和支出责任划分改革实施方案", "郴州市"),
    ("广西壮族自治区知识产权领域自治区以下财政事权和支出责任划分改革实施方案", "广西壮族自治区"),
    ("黔东南州医疗卫生领域财政事权和支出责任划分改革实施方案", "黔东南州"),
    ("生态环境领域市级与县级财政事权和支出责任划分改革实施方案", None),   # the issuer's place is used then
])
def test_the_place_a_title_starts_with(title, place):
    from assistant.document.parse import _leading_place
    assert _leading_place(title)[0] == place


def test_a_title_without_a_place_takes_the_issuers():
    from assistant.document.parse import parse
    text = ("汉中市人民政府办公室关于印发生态环境领域市级与县级财政事权和支出责任划分改革实施方案的通知\n"
            "各县区人民政府：\n现将方案印发给你们，请认真贯彻执行。\n汉中市人民政府办公室\n2021年11月6日\n"
            "生态环境领域市级与县级财政事权和支出责任划分改革实施方案\n一、主要内容\n"
            "将市级生态环境规划编制，确认为市级财政事权，由市级承担支出责任。\n")
    doc = parse(text, "hanzhong")
    assert doc.meta["place"]["value"] == "汉中市"
    assert doc.meta["field"]["value"] == "生态环境"
