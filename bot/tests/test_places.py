"""The place lookup generated from the gazetteer: the names stay whole, and a place is found in any message."""
from pathlib import Path
from typing import List

import jieba
import pytest
import yaml

from actions.places import find_place, place_names

BOT_DIR = Path(__file__).resolve().parents[1]
# Roads of the demo gazetteer that hold a province or city name (江西, 山东, 福州, 南京, 莱阳, 四川, 宁夏…).
CUT_ROADS = ["江西路", "山东路", "福州南路", "南京路", "莱阳路", "四川路", "宁夏路", "云南路", "江苏路", "香港中路"]


@pytest.fixture(scope="module")
def tokenizer() -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    for user_dict in sorted((BOT_DIR / "dictionary").glob("*")):
        tok.load_userdict(str(user_dict))
    return tok


def words(tok: jieba.Tokenizer, text: str) -> List[str]:
    return [w for w, _, _ in tok.tokenize(text)]


def test_lookup_and_dictionary_hold_the_same_names() -> None:
    lookup = set(place_names())
    dictionary = {line.split()[0] for line in (BOT_DIR / "dictionary" / "places.txt").read_text("utf-8").splitlines()}
    assert lookup == dictionary and set(CUT_ROADS) <= lookup
    data = yaml.safe_load((BOT_DIR / "data" / "places.yml").read_text("utf-8"))
    assert data["nlu"][0]["lookup"] == "place"


@pytest.mark.parametrize("road", CUT_ROADS)
def test_a_road_with_a_province_or_city_name_is_one_token(tokenizer: jieba.Tokenizer, road: str) -> None:
    """"江西路15号" must never become 江西/路15号: the tokenizer keeps every gazetteer name whole."""
    assert road in words(tokenizer, f"{road}15号门口的井盖没了，我电话13912345678")


def test_every_gazetteer_name_stays_whole_in_a_sentence(tokenizer: jieba.Tokenizer) -> None:
    broken = [name for name in place_names() if name not in words(tokenizer, f"在{name}附近有垃圾")]
    assert broken == []


@pytest.mark.parametrize("text, place", [
    ("江西路15号门口的垃圾没人收", "江西路15号门口"),
    ("你好，福州南路和南京路路口有个井盖没了，很危险，我电话139-1234-5678", "福州南路和南京路路口"),
    ("上个月我就打过电话了，一直没人管。莱阳路8号门口的下水道堵了，臭得没法走路", "莱阳路8号门口"),
    ("就是那个五四广场东边那块有人在那烧烤", "五四广场东边"),
    ("咱这江西路30号的垃圾桶忒埋汰了", "江西路30号"),
    ("青大附院门口有人占道经营", "青大附院门口"),
    ("香港中路西段路灯不亮", "香港中路西段"),
    ("山东路二十号楼下", "山东路二十号楼"),
])
def test_the_place_is_found_inside_any_message(text: str, place: str) -> None:
    assert find_place(text) == place


@pytest.mark.parametrize("text", ["我的手机是139 1234 5678", "查一下C370202-20261205-00001", "垃圾没人收", "好的"])
def test_no_place_where_there_is_none(text: str) -> None:
    assert find_place(text) is None
