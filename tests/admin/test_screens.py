"""What users see: Vietnamese by default and English one click away, dd/mm/yyyy
dates, labels for codes, the coloured officials' status, the start page that tells
each role what it may do, pages the Content-Security-Policy allows, and lists whose
cost does not grow with the page size."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Account, AuditLog, CalendarException
from portal.admin.registry import ENTRIES
from tests.admin.conftest import DEMO_USERS, flashes, forget_request_state


def test_vietnamese_by_default_and_english_on_request(as_user):
    admin = as_user("admin")
    html = admin.get("/admin/task/").get_data(as_text=True)
    assert "Danh sách" in html and "Kết xuất" in html and "Thêm bộ lọc" in html
    forget_request_state()
    assert admin.client.get("/lang/en", headers={"Referer": "http://localhost/admin/task/"}).status_code == 302
    html = admin.get("/admin/task/").get_data(as_text=True)
    assert "List" in html and "Add Filter" in html
    forget_request_state()
    admin.client.get("/lang/vi")
    assert "Danh sách" in admin.get("/admin/task/").get_data(as_text=True)


def test_dates_read_dd_mm_yyyy_and_codes_read_as_labels(as_user):
    html = as_user("head").get("/admin/task/").get_data(as_text=True)
    start = html.index('class="table table-striped table-bordered table-hover model-list"')
    table = html[start:html.index("</table>", start)]
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", table)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", table), "ISO dates in the list"
    assert "Đang thực hiện" in table or "Chưa thực hiện" in table
    assert ">in_progress<" not in table and ">open<" not in table


def test_officials_status_is_coloured(as_user):
    html = as_user("head").get("/admin/task/?page_size=100").get_data(as_text=True)
    assert 'class="outcome outcome-overdue"' in html
    assert "Quá hạn chưa hoàn thành" in html
    assert 'class="outcome outcome-done_on_time"' in html


def test_outcome_filter_selects_by_officials_status(as_user):
    html = as_user("admin").get("/admin/task/").get_data(as_text=True)
    arg = re.search(r'"arg": "(\d+)", "index": \d+, "operation": "l\\u00e0", "options": \[\["done_on_time"', html)
    assert arg, "the officials' status filter is offered"
    filtered = as_user("admin").get(f"/admin/task/?flt0_{arg.group(1)}=overdue&page_size=100").get_data(as_text=True)
    table = filtered[filtered.index("<tbody") if "<tbody" in filtered else filtered.index("<table"):]
    assert "outcome-overdue" in table and "outcome-done_on_time" not in table


@pytest.mark.parametrize("username", DEMO_USERS)
def test_start_page_tells_the_role_what_it_may_do(as_user, username):
    html = as_user(username).get("/admin/").get_data(as_text=True)
    assert "Những việc bạn được làm" in html
    assert "permission-table" in html and "✓" in html
    assert 'action="/logout"' in html and 'href="/lang/en"' in html


@pytest.mark.parametrize("path", ["/admin/", "/admin/task/", "/admin/task/new/", "/admin/commendation/"])
def test_pages_need_no_inline_script(as_user, path):
    html = as_user("admin").get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> is blocked by the CSP"
    body = html[html.index('<table'):] if "<table" in html else html
    assert not re.search(r"\son[a-z]+=", body), "inline handlers are blocked by the CSP"


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("endpoint", ["task", "staff", "notice", "consultation", "audit_log", "task_step",
                                      "commendation", "evidence", "deadline_issue"])
def test_list_queries_do_not_grow_with_the_page_size(as_user, endpoint):
    admin = as_user("admin")
    admin.get(f"/admin/{endpoint}/")  # warm caches that are not per page
    with counting_queries() as small:
        assert admin.get(f"/admin/{endpoint}/?page_size=25").status_code == 200
    with counting_queries() as large:
        assert admin.get(f"/admin/{endpoint}/?page_size=100").status_code == 200
    assert len(large) == len(small), (len(small), len(large))


@pytest.mark.parametrize("endpoint", [e.endpoint_name for e in ENTRIES])
def test_list_queries_are_few_whatever_the_rows(as_user, endpoint):
    # One query per row (N+1) would show as dozens of statements on a 100-row page.
    admin = as_user("admin")
    with counting_queries() as statements:
        assert admin.get(f"/admin/{endpoint}/?page_size=100").status_code == 200
    assert len(statements) <= 8, "\n".join(statements)


@pytest.mark.parametrize("endpoint", ["task", "staff", "notice", "consultation", "audit_log"])
def test_big_lists_do_not_count_the_whole_table(as_user, endpoint):
    admin = as_user("admin")
    with counting_queries() as statements:
        admin.get(f"/admin/{endpoint}/")
    counts = [s for s in statements if re.search(rf"count\(\*\).*FROM {endpoint}\b", s, flags=re.S | re.I)]
    assert not counts


def test_changes_through_the_portal_are_audited_with_the_user(as_user):
    response = as_user("admin").post("/admin/calendar_exception/new/", {
        "day": "05/01/2032", "kind": "day_off", "reason": "Nghỉ bổ sung (thử)",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    row = db.session.scalar(sa.select(CalendarException).where(CalendarException.reason == "Nghỉ bổ sung (thử)"))
    entry = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.table_name == "calendar_exception", AuditLog.row_id == str(row.id)))
    assert (entry.action, entry.actor, entry.source) == ("create", "admin", "web")


def test_passwords_are_hashed_and_never_shown(as_user, app):
    admin = as_user("admin")
    head = db.session.scalar(sa.select(Account).where(Account.username == "head"))
    response = admin.post("/admin/account/new/", {
        "username": "thu-tk", "display_name": "Tài khoản thử", "role": head.role_id, "unit": head.unit_id,
        "active": "y", "language": "vi", "new_password": "mat-khau-thu-2025",
    })
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    created = db.session.scalar(sa.select(Account).where(Account.username == "thu-tk"))
    assert created.password_hash.startswith("$argon2id$")
    for url in (f"/admin/account/details/?id={created.id}", f"/admin/account/edit/?id={created.id}",
                "/admin/account/export/csv/", "/admin/account/"):
        assert "$argon2" not in admin.get(url).get_data(as_text=True), url
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Account))
    response = admin.post("/admin/account/new/", {
        "username": "thu-tk2", "display_name": "Không mật khẩu", "role": head.role_id, "unit": head.unit_id,
    })
    assert "Phải đặt mật khẩu cho tài khoản mới." in flashes(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == before
