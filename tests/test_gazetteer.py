"""The national list of divisions: short names, a plan's area, places in questions."""
import pytest

from assistant.gazetteer import area_places, load_gazetteer, short_name


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
    ("城区的专利导航", []),                      # a two-character county name is an ordinary word first
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
