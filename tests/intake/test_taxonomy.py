from pathlib import Path

import pytest

from intake.taxonomy import RESERVED_CODES, STANDARD_REF, build_directory, load_directory


def test_standard_directory_counts_and_reserved_codes():
    d = build_directory(local_path=None)
    assert len(d.components()) == 153
    assert len(d.events()) == 250
    codes = {m.code for m in d}
    assert not codes & RESERVED_CODES
    assert [m.code for m in d.majors()] == ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
    assert all(m.standard_ref == STANDARD_REF and not m.local for m in d)


def test_same_code_is_component_and_component_fault_event():
    d = load_directory()
    assert d.component("01002").name == "污水井盖"
    event = d.get("01002")
    assert event.name == "污水井盖异常" and event.kind == "event" and event.is_component_fault
    assert d["06010"].name == "暴露垃圾" and not d["06010"].is_component_fault
    assert d.get("01016") is None
    with pytest.raises(KeyError):
        d["09007"]


def test_shipped_local_extension_adds_codes_and_synonyms():
    d = load_directory()
    assert d["10901"].local and d["10901"].major_name == "其他事项类"
    assert "垃圾桶满了" in d["06042"].synonyms and not d["06042"].local
    assert len(d.events()) > 250


def test_city_extension_file(tmp_path: Path):
    extra = tmp_path / "local.csv"
    extra.write_text(
        "kind,code,major_code,major_name,name,synonyms\n"
        "event,10950,10,,违规堆放渔具,渔网乱放|渔具占道\n"
        "event,06028,,,,广场舞太吵\n",
        encoding="utf-8",
    )
    d = load_directory(extra)
    assert d["10950"].name == "违规堆放渔具" and d["10950"].major_name == "其他事项类"
    assert d["10950"].synonyms == ("渔网乱放", "渔具占道")
    assert d["06028"].synonyms == ("广场舞太吵",)
    assert "10901" not in d  # the extension file replaces the shipped demo one


@pytest.mark.parametrize("row, message", [
    ("event,06031,06,,新事项,", "reserved"),
    ("event,06010,,,别的名字,", "暴露垃圾"),
    ("event,1095,10,,短码,", "5 digits"),
])
def test_bad_extension_rows_are_rejected(tmp_path: Path, row: str, message: str):
    extra = tmp_path / "local.csv"
    extra.write_text("kind,code,major_code,major_name,name,synonyms\n" + row + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        build_directory(extra)
