"""privacy.mask_text: phone and ID numbers inside free text are masked however they are written; reference
numbers, dates and short numbers are kept. privacy.spreadsheet_cell: text never runs as a formula."""

from __future__ import annotations

import pytest

from service_api.privacy import mask_phone, mask_text, spreadsheet_cell


@pytest.mark.parametrize(("text", "shown"), [
    ("电话13812345678，谢谢", "电话138****5678，谢谢"),
    ("打+8613812345678找我", "打138****5678找我"),
    ("座机0532-88886666", "座机053****6666"),
    ("受理编号 R20261124000017 已收到", "受理编号 R20261124000017 已收到"),
    ("案件 C370202-20261124-00017 已派遣", "案件 C370202-20261124-00017 已派遣"),
    ("3号楼502室门口，2026-11-24 10:00", "3号楼502室门口，2026-11-24 10:00"),
    ("门牌 12 号 8886666", "门牌 12 号 8*****6"),
    # Written with hyphens, spaces, a country code, full-width digits and separators.
    ("联系139-1234-5678", "联系139****5678"),
    ("电话 +86 139 1234 5678 王", "电话 139****5678 王"),
    ("电话１３９１２３４５６７８", "电话139****5678"),
    ("电话＋８６　１３９－１２３４－５６７８。", "电话139****5678。"),
    # Typed digit by digit, or in other groupings, the number is still a number.
    ("电话 1 3 9 0 0 0 0 2 2 2 2 找我", "电话 139****2222 找我"),
    ("电话１ ３ ９ ０ ０ ０ ０ ２ ２ ２ ２", "电话139****2222"),
    ("+86 1 3 9 0 0 0 0 2 2 2 2", "139****2222"),
    ("打13 90 00 02 222", "打139****2222"),
    ("电话139 0000 2222，1390-000-2222", "电话139****2222，139****2222"),
    # The first three digits in brackets: masked like any other mobile, not as a landline tail.
    ("电话(138)33334444", "电话138****4444"),
    ("电话（138）3333-4444。", "电话138****4444。"),
    ("电话 (138) 3333 4444", "电话 138****4444"),
    # Lists and dates written with spaces are not phone numbers.
    ("第1 2 3 4条", "第1 2 3 4条"),
    ("10 20 30 40 50 60", "10 20 30 40 50 60"),
    ("2026 11 24 10 30", "2026 11 24 10 30"),
    # ID numbers: the birth date in the middle is never shown.
    ("身份证370202199001011234", "身份证3****************4"),
    ("身份证号37020219900101123X，", "身份证号3****************X，"),
    ("身份证 370202 19900101 123x", "身份证 3****************x"),
    (None, None),
])
def test_mask_text(text, shown):
    assert mask_text(text) == shown


@pytest.mark.parametrize(("phone", "shown"), [
    ("+8613800138000", "138****8000"),
    ("13800138000", "138****8000"),
    ("+86 138-0013-8000", "138****8000"),
    ("+14155550123", "+141****0123"),
    ("１３８００１３８０００", "138****8000"),
])
def test_mask_phone_whatever_the_form(phone, shown):
    assert mask_phone(phone) == shown


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-3+cmd|' /C calc'!A0",
                                  "@SUM(A1)", "\t=1", "\r=1", "＝HYPERLINK(1)"])
def test_spreadsheet_cells_starting_a_formula_are_text(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["处理太慢", "满意率", 0.5, -3, 12, None, ""])
def test_other_cells_are_unchanged(value):
    assert spreadsheet_cell(value) == value
