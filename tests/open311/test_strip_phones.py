"""Phone numbers inside public free text are masked; reference numbers and short numbers are kept."""

from __future__ import annotations

import pytest

from service_api.open311.query import strip_phones


@pytest.mark.parametrize(("text", "shown"), [
    ("电话13812345678，谢谢", "电话138****5678，谢谢"),
    ("打+8613812345678找我", "打+86 138****5678找我"),
    ("座机0532-88886666", "座机053****6666"),
    ("受理编号 R20261124000017 已收到", "受理编号 R20261124000017 已收到"),
    ("3号楼502室门口", "3号楼502室门口"),
    ("门牌 12 号 8886666", "门牌 12 号 8*****6"),
    (None, None),
])
def test_strip_phones(text, shown):
    assert strip_phones(text) == shown
