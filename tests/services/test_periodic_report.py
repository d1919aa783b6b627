"""The periodic report to the leadership (directive item 3): exact figures per unit from
rows built here, period boundaries, scope, and the XLSX / DOCX renderings."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from portal.models import Finding, Inspection, InspectionTarget, Unit
from portal.services import DomainError
from portal.services.periodic_report import PeriodicReport, compute_report, count_units
from portal.services.periodic_report_render import COLUMNS, HEADER_ROW, compact_table, xlsx_bytes
from portal.services.reports import draft_report_docx, periodic_report
from portal.services.scorecards import unit_scorecards
from portal.services.workdays import TZ
from tests import factories as f
from tests.rules.conftest import make_unit
from tests.rules.test_notice_documents import soffice, to_pdf

JUNE = (date(2025, 6, 1), date(2025, 6, 30))
#: A Thursday after the period: overdue ages count to this day.
TODAY = date(2025, 7, 10)


def ict(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@dataclass
class Org:
    root: Unit
    a: Unit
    b: Unit
    b1: Unit
    c: Unit
    other: Unit


def done(session: Session, unit: Unit, due: date, *, late: bool, **kw: object) -> None:
    f.task(session, unit, received=date(2025, 5, 2), due=due, status="done", completed_late=late,
           completed_at=ict(due.year, due.month, due.day, 9), **kw)


def inspection(session: Session, code: str, lead: Unit, started: datetime | None, *targets: Unit) -> Inspection:
    row = Inspection(code=code, title=f"Kiểm tra công vụ {code}", mode="unannounced" if started is None else "planned",
                     status="planned" if started is None else "in_progress", lead_unit_id=lead.id,
                     planned_on=date(2025, 6, 1), started_at=started)
    session.add(row)
    session.flush()
    for unit in targets:
        session.add(InspectionTarget(inspection_id=row.id, unit_id=unit.id))
    session.flush()
    return row


def finding(session: Session, insp: Inspection, unit: Unit, at: datetime) -> None:
    session.add(Finding(inspection_id=insp.id, unit_id=unit.id, kind="punctuality", description="Đi muộn",
                        recorded_at=at))
    session.flush()


@pytest.fixture
def org(session: Session) -> Org:
    """root ── A (tasks) ── B (consultations) ── B1 (inspected) ── C (nothing); and an
    unrelated tree ``other``. Names fix the order of rows."""
    root = make_unit(session, "UBND huyện Báo Cáo", kind="district", place="Phong Thổ")
    a = make_unit(session, "Phòng A (thử báo cáo)", root)
    b = make_unit(session, "Phòng B (thử báo cáo)", root)
    b1 = make_unit(session, "Trường B1 (thử báo cáo)", b, kind="school")
    c = make_unit(session, "Phòng C (thử báo cáo)", root)
    other_root = make_unit(session, "UBND huyện Khác", kind="district")
    other = make_unit(session, "Phòng Z (huyện khác)", other_root)

    done(session, a, date(2025, 6, 1), late=False)  # first day of the period (a Sunday)
    done(session, a, date(2025, 6, 2), late=False)
    done(session, a, date(2025, 6, 10), late=True, improper_escalation=True)
    f.task(session, a, received=date(2025, 5, 2), due=date(2025, 6, 16), status="in_progress")  # 18 wd late
    f.task(session, a, received=date(2025, 5, 2), due=date(2025, 6, 30))  # last day; 8 working days late
    f.task(session, a, received=date(2025, 5, 2), due=date(2025, 5, 30), improper_escalation=True)  # before
    f.task(session, a, received=date(2025, 5, 2), due=date(2025, 7, 1))  # after
    f.task(session, a, received=date(2025, 5, 2), due=date(2025, 6, 11), status="cancelled")
    f.task(session, other, received=date(2025, 5, 2), due=date(2025, 6, 12))

    consultation = f.consultation(session, a, root, sent=date(2025, 6, 2), deadline=date(2025, 6, 12))
    f.recipient(session, consultation, b, outcome="deemed_agreed", deemed_agreed_at=ict(2025, 6, 13, 0))
    f.recipient(session, consultation, c, outcome="answered", answer="agree", answered_at=ict(2025, 6, 11, 9),
                answered_late=False)
    later = f.consultation(session, a, root, sent=date(2025, 6, 20), deadline=date(2025, 7, 2))
    f.recipient(session, later, b, outcome="deemed_agreed", deemed_agreed_at=ict(2025, 7, 3, 0))

    june = inspection(session, "KT-BC-06", root, ict(2025, 6, 5, 8), b1)
    finding(session, june, b1, ict(2025, 6, 5, 10))
    finding(session, june, b1, ict(2025, 6, 30, 23, 30))  # last evening of the period
    finding(session, june, b1, ict(2025, 7, 1, 0, 30))  # just after it
    inspection(session, "KT-BC-05", root, ict(2025, 5, 31, 23, 59), b1)  # started the day before
    secret = inspection(session, "KT-BC-XX", root, None, b1)  # unannounced, not started
    finding(session, secret, b1, ict(2025, 6, 10, 9))
    return Org(root=root, a=a, b=b, b1=b1, c=c, other=other)


def rows_by_name(report: PeriodicReport) -> dict[str, object]:
    return {r.name: r for r in report.rows}


def test_figures_per_unit_and_totals(session: Session, org: Org) -> None:
    report = compute_report(session, *JUNE, scope_unit_id=org.root.id, today=TODAY)
    assert [r.name for r in report.rows] == [org.a.name, org.b.name, org.b1.name]  # root and C: nothing
    assert report.units_in_scope == 5 and report.scope_name == org.root.name
    a, b, b1 = report.rows
    assert (a.assigned, a.done_on_time, a.done_late, a.overdue, a.in_time) == (5, 2, 1, 2, 0)
    assert (a.oldest_overdue_days, a.average_overdue_days) == (18, 13.0)
    assert a.on_time_rate == pytest.approx(0.4)
    assert (a.improper_escalations, a.missed, a.inspections, a.findings) == (1, 0, 0, 0)
    assert (b.assigned, b.missed, b.oldest_overdue_days, b.on_time_rate) == (0, 1, None, None)
    assert (b1.inspections, b1.findings) == (1, 2)  # not the May one, nor the secret one's finding
    total = report.totals
    assert (total.assigned, total.done_on_time, total.done_late, total.overdue) == (5, 2, 1, 2)
    assert (total.oldest_overdue_days, total.average_overdue_days) == (18, 13.0)
    assert (total.missed, total.improper_escalations, total.inspections, total.findings) == (1, 1, 1, 2)


def test_the_same_task_figures_as_the_scorecards(session: Session, org: Org) -> None:
    [card] = unit_scorecards(session, JUNE, TODAY, unit_ids=[org.a.id])
    row = rows_by_name(compute_report(session, *JUNE, scope_unit_id=org.a.id, today=TODAY))[org.a.name]
    assert (row.assigned, row.done_on_time, row.done_late, row.overdue, row.in_time) == (
        card.assigned, card.done_on_time, card.done_late, card.overdue, card.in_time)


def test_overdue_is_as_of_the_day_of_the_report(session: Session, org: Org) -> None:
    row = rows_by_name(compute_report(session, *JUNE, scope_unit_id=org.a.id, today=date(2025, 6, 20)))[org.a.name]
    # On 20/6 the task due 30/6 is still within its deadline; the one due 16/6 is 4 working days late.
    assert (row.overdue, row.in_time, row.oldest_overdue_days, row.average_overdue_days) == (1, 1, 4, 4.0)


def test_period_boundaries(session: Session, org: Org) -> None:
    inner = compute_report(session, date(2025, 6, 2), date(2025, 6, 29), scope_unit_id=org.root.id, today=TODAY)
    a = rows_by_name(inner)[org.a.name]
    assert (a.assigned, a.done_on_time, a.overdue, a.oldest_overdue_days) == (3, 1, 1, 18)  # 1/6 and 30/6 left out
    assert rows_by_name(inner)[org.b1.name].findings == 1  # the 23:30 finding of 30/6 is out too
    one_day = compute_report(session, date(2025, 6, 30), date(2025, 6, 30), scope_unit_id=org.root.id, today=TODAY)
    assert [(r.name, r.assigned, r.overdue, r.findings) for r in one_day.rows] == [
        (org.a.name, 1, 1, 0), (org.b1.name, 0, 0, 1)]
    july = compute_report(session, date(2025, 7, 1), date(2025, 7, 31), scope_unit_id=org.root.id, today=TODAY)
    assert [(r.name, r.assigned, r.missed, r.findings) for r in july.rows] == [
        (org.a.name, 1, 0, 0), (org.b.name, 0, 1, 0), (org.b1.name, 0, 0, 1)]


def test_scope_is_a_subtree_or_everything(session: Session, org: Org) -> None:
    sub = compute_report(session, *JUNE, scope_unit_id=org.b.id, today=TODAY)
    assert [r.name for r in sub.rows] == [org.b.name, org.b1.name] and sub.units_in_scope == 2
    assert count_units(session, org.b.id) == 2 and count_units(session, org.root.id) == 5
    everything = compute_report(session, *JUNE, today=TODAY)
    names = rows_by_name(everything)
    assert org.other.name in names and org.a.name in names and everything.scope_unit_id is None
    assert org.other.name not in rows_by_name(compute_report(session, *JUNE, scope_unit_id=org.root.id, today=TODAY))
    assert count_units(session, None) > 7


@pytest.mark.parametrize("start,end,message", [
    (date(2025, 6, 30), date(2025, 6, 1), "không được trước ngày bắt đầu"),
    (date(2020, 1, 1), date(2025, 1, 1), "tối đa 3 năm"),
    (None, date(2025, 6, 1), "ngày bắt đầu"),
])
def test_bad_periods_are_refused(session: Session, org: Org, start, end, message) -> None:
    with pytest.raises(DomainError, match=message):
        compute_report(session, start, end, scope_unit_id=org.root.id, today=TODAY)


def test_unknown_scope_is_refused(session: Session) -> None:
    with pytest.raises(DomainError, match="Không tìm thấy đơn vị"):
        compute_report(session, *JUNE, scope_unit_id=10**9, today=TODAY)


def test_round_trip_through_json(session: Session, org: Org) -> None:
    report = compute_report(session, *JUNE, scope_unit_id=org.root.id, today=TODAY)
    again = PeriodicReport.from_dict(report.to_dict())
    assert again == report and again.totals == report.totals


def test_xlsx_has_headers_rows_totals_and_frozen_header(session: Session, org: Org) -> None:
    report = compute_report(session, *JUNE, scope_unit_id=org.root.id, today=TODAY)
    wb = load_workbook(io.BytesIO(xlsx_bytes(report, issuer_name=org.root.name)))
    ws = wb["Báo cáo"]
    assert "BÁO CÁO KẾT QUẢ" in ws["A1"].value and "từ ngày 01/06/2025 đến ngày 30/06/2025" in ws["A2"].value
    assert [c.value for c in ws[HEADER_ROW]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
    assert ws.column_dimensions["B"].width == 46
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert [r[1] for r in body] == [org.a.name, org.b.name, org.b1.name, "Tổng cộng"]
    a = dict(zip([c.header for c in COLUMNS], body[0]))
    assert a["Nhiệm vụ đến hạn trong kỳ"] == 5 and a["Quá hạn lâu nhất (ngày làm việc)"] == 18
    assert a["Tỷ lệ đúng hạn"] == pytest.approx(0.4)
    assert ws.cell(HEADER_ROW + 1, 10).number_format == "0.0%"
    totals = dict(zip([c.header for c in COLUMNS], body[-1]))
    assert totals["Phát hiện qua kiểm tra"] == 2 and totals["Quá hạn bình quân (ngày làm việc)"] == 13.0
    assert ws.cell(ws.max_row, 2).font.bold


def test_draft_docx_in_decree_30_layout(session: Session, org: Org) -> None:
    report = compute_report(session, *JUNE, scope_unit_id=org.b.id, today=TODAY)
    filename, data = draft_report_docx(session, report)
    assert filename.startswith("du-thao-BC-") and filename.endswith(".docx")  # no number: a draft
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    flat = "\n".join("\t".join(r) for r in cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "Độc lập - Tự do - Hạnh phúc" in flat
    assert org.b.name.upper() in flat and org.root.name.upper() in flat  # issuing body under its parent
    assert "BÁO CÁO" in text and "từ ngày 01/06/2025 đến ngày 30/06/2025" in text
    assert "Kính gửi: " + org.root.name in text and "Nơi nhận:" in flat
    [table] = [t for t in doc.tables if t.rows[0].cells[0].text == "Cơ quan, đơn vị"]
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == compact_table(report)[1:]
    assert table.rows[-1].cells[0].text == "Tổng cộng" and table.rows[1].cells[5].text == "1"


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) không có trên PATH: bỏ qua chuyển sang PDF")
def test_report_docx_opens_in_libreoffice(session: Session, org: Org, tmp_path) -> None:
    report = compute_report(session, *JUNE, scope_unit_id=org.root.id, today=TODAY)
    filename, data = draft_report_docx(session, report)
    assert to_pdf(tmp_path, filename, data).read_bytes()[:5] == b"%PDF-"


def test_issued_report_is_numbered_once_with_the_given_figures(session: Session, org: Org) -> None:
    report = compute_report(session, *JUNE, scope_unit_id=org.root.id, today=TODAY)
    notice = periodic_report(session, *JUNE, issuing_unit_id=org.a.id, recipient_unit_id=org.root.id,
                             today=TODAY, report=report)
    assert notice.number == "1" and notice.symbol == f"BC-{org.a.code}"
    assert (notice.period_start, notice.period_end, notice.issued_on) == (*JUNE, TODAY)
    assert "\t".join(compact_table(report)[-1]) in notice.body  # the totals row rides in the body
    assert periodic_report(session, *JUNE, issuing_unit_id=org.a.id) is notice
    with pytest.raises(DomainError, match="không cùng kỳ"):
        periodic_report(session, date(2025, 6, 1), date(2025, 6, 29), issuing_unit_id=org.a.id, report=report)
