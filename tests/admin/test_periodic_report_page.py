""""Báo cáo định kỳ" through HTTP: who may open it and on which units, bad dates as a
person types them, the HTML table, and downloads that open as XLSX and DOCX."""
from __future__ import annotations

import html as html_lib
import re
from datetime import date, datetime
from io import BytesIO

import docx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.admin.report_forms import UNIT_REFUSED
from portal.extensions import db
from portal.models import JobTick, Notice, Unit
from portal.services import DomainError
from portal.services.periodic_report import compute_report
from portal.services.periodic_report_monthly import issue_monthly_report, monthly_file
from portal.services.periodic_report_render import COLUMNS, HEADER_ROW
from portal.services.workdays import TZ, local_today
from tests.admin.conftest import DEMO_USERS, flashes, forget_request_state, granted, role_of

PAGE = "/admin/report/"
JUNE = {"start": "01/06/2025", "end": "30/06/2025"}
QUEUE_CLIENTS = ("portal_redis", "portal_redis_ping")


@pytest.fixture(autouse=True)
def no_queue(app, monkeypatch, tmp_path):
    """These pages ask whether the queue is up; with no Redis configured that would start
    the embedded server under the checkout's instance folder. Point them at nothing
    (the jobs tests cover the queue) and leave no cached client behind."""
    monkeypatch.setitem(app.config, "REDIS_URL", f"unix://{tmp_path}/no-redis.sock")
    for key in QUEUE_CLIENTS:
        app.extensions.pop(key, None)
    yield
    for key in QUEUE_CLIENTS:
        app.extensions.pop(key, None)


def unit_id(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def table_names(page: str) -> list[str]:
    """The unit names in the report table of a page (second column of the body rows)."""
    body = page.split("data-report-table", 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [html_lib.unescape(re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)[1]) for r in rows]


def state() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Notice)),
            db.session.scalar(sa.select(sa.func.count()).select_from(JobTick)))


@pytest.mark.parametrize("username", DEMO_USERS)
def test_who_may_open_the_page(as_user, username):
    allowed = ("periodic_report", "view") in granted(role_of(username))
    assert allowed == (username != "staff")
    client = as_user(username)
    assert client.get(PAGE).status_code == (200 if allowed else 403)
    # Without a unit: every unit for those who see all, "choose a unit" for unit heads.
    expected = 403 if not allowed else (200 if role_of(username) != "unit_head" else 302)
    assert client.get(PAGE + "download.xlsx", query_string=JUNE).status_code == expected
    assert ('href="/admin/report/"' in client.get("/admin/").get_data(as_text=True)) == allowed


def test_leadership_sees_every_unit_with_the_service_figures(as_user):
    page = as_user("leader").get(PAGE, query_string={**JUNE, "unit": ""})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    report = compute_report(db.session, date(2025, 6, 1), date(2025, 6, 30), today=local_today())
    assert report.rows and table_names(text) == [r.name for r in report.rows]
    totals = re.search(r"data-report-totals>(.*?)</tr>", text, flags=re.S).group(1)
    cells = [html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", totals, flags=re.S)]
    assert cells[1] == "Tổng cộng" and cells[2] == str(report.totals.assigned) and cells[5] == str(report.totals.overdue)
    assert 'data-report-download="xlsx"' in text and "Báo cáo tháng đã lập" in text


def test_the_page_reads_in_english_and_the_files_stay_vietnamese(as_user):
    leader = as_user("leader")
    forget_request_state()
    assert leader.client.get("/lang/en").status_code == 302
    text = leader.get(PAGE, query_string={**JUNE, "unit": ""}).get_data(as_text=True)
    headers = [html_lib.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', text, flags=re.S)]
    assert headers[:3] == ["Unit code", "Body or unit", "Tasks due in the period"] and len(headers) == len(COLUMNS)
    assert "Scope: All bodies and units" in text and "Reporting period from 01/06/2025 to 30/06/2025" in text
    assert ">Download XLSX<" in text and ">Show report<" in text and "Monthly reports made" in text
    totals = re.search(r"data-report-totals>(.*?)</tr>", text, flags=re.S).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", totals, flags=re.S)[1] == "Total"
    refused = leader.get(PAGE, query_string={"start": "", "end": "30/06/2025"})
    assert "Please enter the start date of the reporting period." in flashes(refused.get_data(as_text=True))
    assert "Đến ngày" not in text and "Xem báo cáo" not in text
    xlsx = leader.get(PAGE + "download.xlsx", query_string={**JUNE, "unit": ""})
    assert load_workbook(BytesIO(xlsx.data))["Báo cáo"].cell(HEADER_ROW, 2).value == "Cơ quan, đơn vị"


def test_unit_head_sees_only_their_subtree(as_user):
    head = as_user("head")
    form = head.get(PAGE).get_data(as_text=True)
    options = re.findall(r'<option value="([^"]*)"', form)
    assert options == [str(unit_id("PT-TNMT"))]  # no "every unit", no other unit
    assert "Báo cáo tháng đã lập" not in form  # the monthly reports cover every unit
    own = head.get(PAGE, query_string={**JUNE, "unit": unit_id("PT-TNMT")})
    assert own.status_code == 200
    assert set(table_names(own.get_data(as_text=True))) <= {"Phòng Tài nguyên và Môi trường huyện Phong Thổ"}
    for unit in (unit_id("PT-TCKH"), unit_id("PT"), 10**9, "abc", "-1", ""):
        refused = head.get(PAGE, query_string={**JUNE, "unit": unit})
        assert refused.status_code == 400, unit
        message = flashes(refused.get_data(as_text=True))
        assert UNIT_REFUSED in message or "Vui lòng chọn đơn vị" in message, unit
        assert "data-report-table" not in refused.get_data(as_text=True)
    download = head.get(PAGE + "download.xlsx", query_string={**JUNE, "unit": unit_id("PT-TCKH")})
    assert download.status_code == 302 and download.mimetype != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("start,end,message", [
    ("31/02/2025", "30/06/2025", "Ngày không hợp lệ"),
    ("01/06/2025", "hôm qua", "Ngày không hợp lệ"),
    ("30/06/2025", "01/06/2025", "không được trước ngày bắt đầu"),
    ("", "30/06/2025", "Vui lòng nhập ngày bắt đầu"),
    ("01/06/2025", "", "Vui lòng nhập ngày kết thúc"),
    ("01/01/2020", "31/12/2025", "tối đa 3 năm"),
    ("1" * 60, "30/06/2025", "quá dài"),
])
def test_bad_dates_get_a_vietnamese_message(as_user, start, end, message):
    before = state()
    response = as_user("leader").get(PAGE, query_string={"start": start, "end": end, "unit": ""})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in flashes(text) and "data-report-table" not in text
    assert f'value="{html_lib.escape(end)}"' in text  # the form keeps what was typed
    assert state() == before


def test_downloads_open_as_xlsx_and_docx(as_user):
    inspector = as_user("inspector")
    query = {**JUNE, "unit": unit_id("PT")}
    report = compute_report(db.session, date(2025, 6, 1), date(2025, 6, 30), scope_unit_id=unit_id("PT"),
                            today=local_today())
    xlsx = inspector.get(PAGE + "download.xlsx", query_string=query)
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename=bao-cao-20250601-20250630.xlsx' in xlsx.headers["Content-Disposition"]
    ws = load_workbook(BytesIO(xlsx.data))["Báo cáo"]
    assert [c.value for c in ws[HEADER_ROW]] == [c.header for c in COLUMNS]
    names = [ws.cell(r, 2).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    assert names == [r.name for r in report.rows] + ["Tổng cộng"]
    assert ws.cell(ws.max_row, 3).value == report.totals.assigned

    word = inspector.get(PAGE + "download.docx", query_string=query)
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(BytesIO(word.data))
    [table] = [t for t in document.tables if t.rows[0].cells[0].text == "Cơ quan, đơn vị"]
    assert [row.cells[0].text for row in table.rows[1:]] == [r.name for r in report.rows] + ["Tổng cộng"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text and "từ ngày 01/06/2025 đến ngày 30/06/2025" in text
    assert "UBND TỈNH LAI CHÂU" in "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert as_user("leader").get(PAGE + "download.pdf", query_string=query).status_code == 404


def test_a_large_scope_is_offered_as_a_background_job(app, as_user, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_SYNC_MAX_UNITS", 5)
    leader = as_user("leader")
    page = leader.get(PAGE, query_string={**JUNE, "unit": ""}).get_data(as_text=True)
    assert "data-report-large" in page and "Lập báo cáo trong nền" in page and "data-report-table" not in page
    assert 'action="/admin/report/build"' in page
    refused = leader.get(PAGE + "download.xlsx", query_string={**JUNE, "unit": ""})
    assert refused.status_code == 302
    assert "lập báo cáo trong nền" in flashes(leader.get(PAGE).get_data(as_text=True))
    small = leader.get(PAGE, query_string={**JUNE, "unit": unit_id("PT-TNMT")}).get_data(as_text=True)
    assert "data-report-table" in small  # one unit: still at once
    assert leader.post(PAGE + "build", data={**JUNE, "unit": ""}, csrf=False).status_code == 400  # CSRF


def test_monthly_reports_are_listed_and_downloaded(app, as_user, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "REPORTS_DIR", str(tmp_path))
    stats = issue_monthly_report(db.session, date(2025, 6, 1), root=tmp_path, now=datetime(2025, 7, 1, 8, tzinfo=TZ))
    db.session.commit()
    tick = db.session.scalar(sa.select(JobTick).where(JobTick.job == "monthly_report"))
    leader = as_user("leader")
    page = leader.get(PAGE).get_data(as_text=True)
    listed = page.split("data-monthly-reports", 1)[1].split("</table>", 1)[0]
    assert "06/2025" in listed and str(stats["number"]) in listed
    xlsx = leader.get(f"{PAGE}monthly/{tick.id}.xlsx")
    assert xlsx.status_code == 200 and load_workbook(BytesIO(xlsx.data))["Báo cáo"].cell(HEADER_ROW, 2).value == "Cơ quan, đơn vị"
    word = leader.get(f"{PAGE}monthly/{tick.id}.docx")
    assert word.status_code == 200 and stats["docx_name"] in word.headers["Content-Disposition"]
    number = str(stats["number"]).split("/")[0]
    assert f"Số: {int(number):02d}/" in "\n".join(
        c.text for t in docx.Document(BytesIO(word.data)).tables for r in t.rows for c in r.cells)
    for username in ("head", "staff"):
        assert as_user(username).get(f"{PAGE}monthly/{tick.id}.xlsx").status_code == 403
    leader = as_user("leader")  # one test client: switch back
    assert leader.get(f"{PAGE}monthly/999999.xlsx").status_code == 404
    assert leader.get(f"{PAGE}monthly/abc.xlsx").status_code == 404
    monthly_file(tmp_path, date(2025, 6, 1), "xlsx").unlink()
    missing = leader.get(f"{PAGE}monthly/{tick.id}.xlsx")
    assert missing.status_code == 302
    assert "Không tìm thấy tệp báo cáo" in flashes(leader.get(PAGE).get_data(as_text=True))


@pytest.mark.parametrize("month,message", [
    ("13/2025", "Tháng không hợp lệ"),
    ("tháng 6", "Tháng không hợp lệ"),
    ("06/1999", "Tháng không hợp lệ"),
    ("", "Tháng không hợp lệ"),
])
def test_issuing_a_monthly_report_refuses_bad_months(as_user, month, message):
    before = state()
    leader = as_user("leader")
    assert leader.post(PAGE + "monthly", data={"month": month}).status_code == 302
    assert message in flashes(leader.get(PAGE).get_data(as_text=True))
    assert state() == before


def test_issuing_the_running_month_is_refused_and_needs_the_create_cell(as_user):
    leader = as_user("leader")
    this_month = f"{local_today():%m/%Y}"
    leader.post(PAGE + "monthly", data={"month": this_month})
    assert "chưa kết thúc" in flashes(leader.get(PAGE).get_data(as_text=True))
    assert as_user("inspector").post(PAGE + "monthly", data={"month": "05/2025"}).status_code == 403
    assert as_user("head").post(PAGE + "monthly", data={"month": "05/2025"}).status_code == 403


def test_background_results_of_unknown_jobs_are_not_found(as_user):
    leader = as_user("leader")
    for url in ("job/..%2F..%2Fetc", "job/abc", "job/0123456789abcdef/status.json", "job/0123456789abcdef/bao-cao.xlsx"):
        assert leader.get(PAGE + url).status_code == 404, url


def test_monthly_claim_in_the_same_transaction(app, tmp_path):
    """The month is claimed with the effects: a second run in another transaction finds it."""
    now = datetime(2025, 7, 1, 8, tzinfo=TZ)
    first = issue_monthly_report(db.session, date(2025, 5, 1), root=tmp_path, now=now)
    db.session.commit()
    assert first is not None and issue_monthly_report(db.session, date(2025, 5, 1), root=tmp_path, now=now) is None
    with pytest.raises(DomainError, match="chưa kết thúc"):
        issue_monthly_report(db.session, date(2025, 7, 1), root=tmp_path, now=now)
