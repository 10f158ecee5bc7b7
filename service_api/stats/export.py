"""The stats page's downloads: the figures table, the definitions (说明) and the 不满意 ratings, as CSV or XLSX.

Every text cell is escaped so no spreadsheet program runs it as a formula (privacy.spreadsheet_cell, xlsx_cell).
"""

from __future__ import annotations

from typing import Any

from service_api.models import CHANNEL_TEXT
from service_api.privacy import spreadsheet_cell, xlsx_cell
from service_api.stats.figures import GROUP_TEXT, SHANGHAI, StatsResult
from service_api.stats.indicators import INDICATORS, MEDIAN_COUNTS, RATES, Indicator

_MEDIAN_COUNT_TITLES = {"median_register_count": "立案用时中位数的案件数",
                        "median_dispatch_count": "派遣用时中位数的案件数",
                        "median_close_count": "结案用时中位数的案件数"}


def _indicator_columns(indicator: Indicator) -> tuple[tuple[str, str], ...]:
    """An indicator's export columns: a rate with its numerator and denominator (as the page shows them beside
    it), a median with the count of the cases it covers."""
    if indicator.is_rate:
        return ((indicator.name, indicator.label), (f"{indicator.name}_numerator", f"{indicator.label}分子"),
                (f"{indicator.name}_denominator", f"{indicator.label}分母"))
    if indicator.name in MEDIAN_COUNTS:
        count = MEDIAN_COUNTS[indicator.name]
        return ((indicator.name, indicator.label), (count, _MEDIAN_COUNT_TITLES[count]))
    return ((indicator.name, indicator.label),)


# Every indicator (stats_indicators), in the API's order (API_FIELDS).
EXPORT_COLUMNS = (("label", "分组"), ("key", "代码"), *[c for i in INDICATORS for c in _indicator_columns(i)])
RATE_COLUMNS = frozenset(i.name for i in RATES)
COMMENTS_TITLE = "不满意评价"
COMMENT_COLUMNS = ("案件编号", "受理编号", "事项", "评价时间", "评价渠道", "问题是否解决", "居民电话", "意见")


def export_rows(result: StatsResult) -> list[list[Any]]:
    """Header plus one line per group and the total; rates as fractions (0.9123)."""
    lines: list[list[Any]] = [[title for _, title in EXPORT_COLUMNS]]
    for row in [*result.rows, result.total]:
        data = row.to_dict()
        lines.append([data[name] if data[name] is not None else "" for name, _ in EXPORT_COLUMNS])
    return lines


def comment_rows(comments: list[dict[str, Any]]) -> list[list[Any]]:
    """Header plus one line per 不满意 rating (unsatisfied_comments: phones and numbers in comments masked)."""
    lines: list[list[Any]] = [list(COMMENT_COLUMNS)]
    for item in comments:
        lines.append([
            item["case_no"], item["tracking_no"], item["matter"],
            item["created_at"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            CHANNEL_TEXT.get(item["channel"], item["channel"]),
            {True: "是", False: "否"}.get(item["solved"], ""), item["phone"] or "", item["comment"]])
    return lines


def notes_rows(result: StatsResult) -> list[list[str]]:
    """The 说明 sheet: period, basis, and every indicator's definition with its numerator and denominator."""
    titles = {i.name: i.label for i in INDICATORS} | {"satisfied_or_basically": "满意 + 基本满意",
                                                      "repeats": "重复反映数（反映数 − 受理数）",
                                                      "surveys_answered": "已回复的回访",
                                                      "surveys_sent": "已发出的回访",
                                                      "solved": "表示已解决的评价",
                                                      "solved_answered": "回答了是否解决的评价"}
    lines = [
        ["统计期间", f"{result.period.start.isoformat()} 至 {result.period.end.isoformat()}（北京时间）"],
        ["统计口径", f"{result.basis_label}：{result.basis_text}"],
        ["分组", f"按{GROUP_TEXT[result.group_by]}"],
        ["比率", "以小数表示（0.9123 即 91.23%），其后两列为分子、分母；分母为 0 时比率留空，表示无数据而非 0%"],
        [],
        ["指标", "字段", "定义", "分子", "分母"],
    ]
    for i in INDICATORS:
        lines.append([i.label, i.name, i.definition, titles.get(i.numerator, ""), titles.get(i.denominator, "")])
    return lines


def to_csv(result: StatsResult, comments: list[dict[str, Any]]) -> str:
    """The table, then the definitions (the XLSX 说明 sheet), then the 不满意 ratings (its 不满意评价 sheet),
    each after an empty line; text that could start a formula is escaped (privacy.spreadsheet_cell)."""
    import csv
    import io

    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read the Chinese headers as UTF-8
    writer = csv.writer(buffer)
    sections = (export_rows(result), notes_rows(result), [[COMMENTS_TITLE], *comment_rows(comments)])
    for index, lines in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerows([[spreadsheet_cell(value) for value in line] for line in lines])
    return buffer.getvalue()


def to_xlsx(result: StatsResult, comments: list[dict[str, Any]]) -> bytes:
    """The table, the 不满意评价 sheet and the 说明 sheet; every text an explicit string cell, shown as written and
    never run as a formula (privacy.xlsx_cell)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"按{GROUP_TEXT[result.group_by]}"
    sheets = ((sheet, export_rows(result)), (book.create_sheet(COMMENTS_TITLE), comment_rows(comments)),
              (book.create_sheet("说明"), notes_rows(result)))
    for target, lines in sheets:
        for line in lines:
            target.append([xlsx_cell(target, value) for value in line])
    for column, (name, _) in enumerate(EXPORT_COLUMNS, start=1):
        if name in RATE_COLUMNS:
            for cell in list(sheet.iter_cols(min_col=column, max_col=column, min_row=2))[0]:
                cell.number_format = "0.00%"
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
