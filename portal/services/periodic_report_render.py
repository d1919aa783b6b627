"""The periodic report as a workbook (XLSX), as the text and table of a Decree 30
report (DOCX, via :mod:`portal.services.notices`), and the column list the web page
shows. One list of columns serves the page and the workbook, so they say the same.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .notices import CD280
from .periodic_report import PeriodicReport, ReportRow

__all__ = ["COLUMNS", "Column", "compact_table", "period_text", "report_body", "report_subject", "write_xlsx",
           "xlsx_bytes"]

TITLE = "BÁO CÁO KẾT QUẢ GIẢI QUYẾT CÔNG VIỆC, LẤY Ý KIẾN VÀ KIỂM TRA CÔNG VỤ"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[ReportRow], Any]
    width: float
    number_format: str | None = None


COLUMNS: tuple[Column, ...] = (
    Column("Mã đơn vị", lambda r: r.code, 14),
    Column("Cơ quan, đơn vị", lambda r: r.name, 46),
    Column("Nhiệm vụ đến hạn trong kỳ", lambda r: r.assigned, 12),
    Column("Hoàn thành đúng hạn", lambda r: r.done_on_time, 12),
    Column("Hoàn thành quá hạn", lambda r: r.done_late, 12),
    Column("Quá hạn chưa hoàn thành", lambda r: r.overdue, 12),
    Column("Quá hạn lâu nhất (ngày làm việc)", lambda r: r.oldest_overdue_days, 14),
    Column("Quá hạn bình quân (ngày làm việc)", lambda r: r.average_overdue_days, 14, "0.0"),
    Column("Đang thực hiện trong hạn", lambda r: r.in_time, 12),
    Column("Tỷ lệ đúng hạn", lambda r: r.on_time_rate, 11, "0.0%"),
    Column("Không trả lời ý kiến đúng hạn (xác định đồng ý)", lambda r: r.missed, 16),
    Column("Trình vượt thẩm quyền", lambda r: r.improper_escalations, 12),
    Column("Cuộc kiểm tra công vụ", lambda r: r.inspections, 12),
    Column("Phát hiện qua kiểm tra", lambda r: r.findings, 12),
)
#: The header row of the table inside the Decree 30 document (A4 portrait: eight columns).
COMPACT_HEADER = ["Cơ quan, đơn vị", "Nhiệm vụ đến hạn", "Đúng hạn", "Hoàn thành quá hạn",
                  "Quá hạn chưa xong (lâu nhất)", "Không trả lời ý kiến", "Trình vượt thẩm quyền",
                  "Kiểm tra / phát hiện"]


def period_text(report: PeriodicReport) -> str:
    return f"từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y}"


def report_subject(report: PeriodicReport) -> str:
    return f"V/v báo cáo kết quả thực hiện Công điện số 280/CĐ-TTg {period_text(report)}"


def _rate(row: ReportRow) -> str:
    rate = row.on_time_rate
    return f"{100 * rate:.1f}%" if rate is not None else "—"


def report_body(issuer_name: str, report: PeriodicReport) -> list[str]:
    """The paragraphs of the report (before its table)."""
    t = report.totals
    return [
        f"Thực hiện {CD280} về chấn chỉnh, tăng cường trách nhiệm trong xử lý công việc, {issuer_name} báo cáo "
        f"kết quả giải quyết công việc, lấy ý kiến và kiểm tra công vụ của các cơ quan, đơn vị "
        f"{period_text(report)} (số liệu đến ngày {report.today:%d/%m/%Y}) như sau:",
        f"1. Nhiệm vụ đến hạn trong kỳ: {t.assigned}; hoàn thành đúng hạn: {t.done_on_time}; hoàn thành quá hạn: "
        f"{t.done_late}; quá hạn chưa hoàn thành: {t.overdue}"
        + (f" (lâu nhất {t.oldest_overdue_days}, bình quân {t.average_overdue_days} ngày làm việc)"
           if t.oldest_overdue_days is not None else "")
        + f". Tỷ lệ hoàn thành đúng hạn: {_rate(t)}.",
        f"2. Số lượt cơ quan được lấy ý kiến không trả lời hoặc trả lời quá hạn (được xác định là đồng ý): "
        f"{t.missed}; số việc trình cấp trên thuộc thẩm quyền của đơn vị: {t.improper_escalations}.",
        f"3. Kiểm tra công vụ trong kỳ: {t.inspections} lượt kiểm tra đơn vị; {t.findings} nội dung phát hiện.",
        "4. Đề nghị Thủ trưởng các cơ quan, đơn vị có nhiệm vụ quá hạn khẩn trương giải quyết, kiểm điểm làm rõ "
        "trách nhiệm của tập thể, cá nhân để xảy ra chậm trễ; biểu dương các đơn vị, cá nhân hoàn thành đúng hạn.",
        "Số liệu chi tiết của từng cơ quan, đơn vị như bảng sau" if report.rows
        else "Trong kỳ không phát sinh số liệu của cơ quan, đơn vị nào",
    ]


def _compact(row: ReportRow) -> list[str]:
    age = f" ({row.oldest_overdue_days} ngày)" if row.oldest_overdue_days is not None else ""
    return [row.name.replace("\t", " "), str(row.assigned), str(row.done_on_time), str(row.done_late),
            f"{row.overdue}{age}", str(row.missed), str(row.improper_escalations),
            f"{row.inspections} / {row.findings}"]


def compact_table(report: PeriodicReport) -> list[list[str]]:
    """Header, one row per unit and the totals: the table of the DOCX (empty when no rows)."""
    if not report.rows:
        return []
    return [COMPACT_HEADER] + [_compact(r) for r in report.rows] + [_compact(report.totals)]


# ---------------------------------------------------------------- workbook
_BOLD = Font(name="Times New Roman", bold=True)
_PLAIN = Font(name="Times New Roman")
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ROW = 4


def _cell(ws: Any, value: Any, *, font: Font = _PLAIN, fmt: str | None = None, wrap: bool = False,
          fill: PatternFill | None = None, border: bool = True) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    if fmt:
        cell.number_format = fmt
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    if fill is not None:
        cell.fill = fill
    if border:
        cell.border = _BOX
    return cell


def write_xlsx(report: PeriodicReport, target: IO[bytes] | str, *, issuer_name: str | None = None) -> None:
    """Stream the report into ``target`` (a path or a binary file): a write-only workbook,
    so memory stays flat whatever the number of units."""
    wb = Workbook(write_only=True)
    wb.properties.title = TITLE.capitalize()
    wb.properties.creator = issuer_name or "Cổng trách nhiệm công vụ"
    ws = wb.create_sheet("Báo cáo")
    # Write-only sheets take widths and panes before the first row.
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    ws.append([_cell(ws, TITLE, font=Font(name="Times New Roman", bold=True, size=13), border=False)])
    scope = f"Phạm vi: {report.scope_name}; kỳ báo cáo {period_text(report)}; số liệu đến ngày {report.today:%d/%m/%Y}"
    if issuer_name:
        scope = f"{issuer_name}. {scope}"
    ws.append([_cell(ws, scope, border=False)])
    ws.append([])
    ws.append([_cell(ws, c.header, font=_BOLD, wrap=True, fill=_HEAD_FILL) for c in COLUMNS])
    for row in report.rows:
        ws.append([_cell(ws, c.value(row), fmt=c.number_format) for c in COLUMNS])
    ws.append([_cell(ws, c.value(report.totals), font=_BOLD, fmt=c.number_format) for c in COLUMNS])
    wb.save(target)


def xlsx_bytes(report: PeriodicReport, *, issuer_name: str | None = None) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(report, buffer, issuer_name=issuer_name)
    return buffer.getvalue()
