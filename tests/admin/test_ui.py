"""The portal's pages in English and Vietnamese, the decider on decision screens, page
resources in the permission matrix, one heading per page, inline "add" buttons in
Vietnamese style, x-editable's options and refusals, dd/mm/yyyy list filters (issue 3).
The same pages in a real browser: tests/e2e/test_portal_browser.py."""
from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, gettext

from portal.admin import registry
from portal.admin.base import INLINE_REFUSED
from portal.admin.filters import iso_dates
from portal.admin.labels import COMMON_LABELS, PAGE_RESOURCES, add_label, item_label
from portal.extensions import db
from portal.i18n import label
from portal.models import Commendation, Task, TaskStep, Unit, enums
from portal.translations import TRANSLATIONS_DIR
from tests.admin.conftest import forget_request_state
from tests.conftest import csrf_from

CATALOGUE = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"


def table_headers(page: str) -> list[str]:
    head = page[page.index('<thead'):page.index('</thead>')]
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, flags=re.S)]


def menu_names(page: str) -> list[str]:
    nav = page[page.index("<nav"):page.index("</nav>")]
    return [htmllib.unescape(name).strip() for name in re.findall(
        r'class="dropdown-toggle nav-link"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+?)\s*<', nav)]


def switch(user, code: str) -> None:
    forget_request_state()
    assert user.client.get(f"/lang/{code}").status_code == 302


# ---------------------------------------------------------------- English mode
def test_english_task_list_has_english_menu_columns_and_values(as_user):
    leader = as_user("leader")
    switch(leader, "en")
    page = leader.get("/admin/task/").get_data(as_text=True)
    assert table_headers(page)[-8:] == ["Code", "Title", "Lead unit", "Owner", "Received on", "Due date",
                                        "Status", "Progress"]
    menus = menu_names(page)
    assert {"My work", "Organisation", "Tasks", "Inspections", "Directives", "System"} <= set(menus), menus
    assert "In progress" in page or "Not started" in page  # task statuses
    assert "Overdue, not done" in page  # the officials' status of a task
    assert "<title>Tasks - Tasks - Public Duty Portal</title>" in page
    assert ">Log out<" in page
    switch(leader, "vi")
    page = leader.get("/admin/task/").get_data(as_text=True)
    assert table_headers(page)[-8:] == ["Mã", "Tiêu đề", "Đơn vị chủ trì", "Người phụ trách", "Ngày tiếp nhận",
                                        "Hạn xử lý", "Trạng thái", "Tình trạng thực hiện"]
    assert {"Nghiệp vụ", "Tổ chức", "Nhiệm vụ", "Kiểm tra", "Chỉ đạo", "Hệ thống"} <= set(menu_names(page))
    assert "Quá hạn chưa hoàn thành" in page and "Overdue" not in page


def test_an_account_set_to_english_gets_english_without_choosing(as_user):
    staff = as_user("staff")
    staff.account.language = "en"
    db.session.commit()
    page = staff.get("/admin/task/").get_data(as_text=True)
    assert "Due date" in table_headers(page) and ">Log out<" in page
    switch(staff, "vi")  # the switch wins over the account's setting
    assert "Hạn xử lý" in table_headers(staff.get("/admin/task/").get_data(as_text=True))


def test_login_page_in_english_and_back(client):
    forget_request_state()
    page = client.get("/login").get_data(as_text=True)
    assert ">Tên đăng nhập<" in page and ">Đăng nhập</button>" in page and 'lang="vi"' in page
    forget_request_state()
    client.get("/lang/en", headers={"Referer": "http://localhost/login"})
    forget_request_state()
    page = client.get("/login").get_data(as_text=True)
    assert ">Username<" in page and ">Password<" in page and ">Log in</button>" in page
    assert "<html lang=\"en\">" in page and "Public Duty Portal" in page
    forget_request_state()
    page = client.post("/login", data={"username": "", "password": "", "csrf_token": csrf_from(page)})
    assert "Please enter your username." in page.get_data(as_text=True)


def test_enumerations_in_forms_filters_and_choices_follow_the_language(as_user):
    inspector = as_user("inspector")
    switch(inspector, "en")
    page = inspector.get("/admin/recommendation/").get_data(as_text=True)
    # x-editable's drop-down: English texts, the stored codes as values (JSON, no lazy strings).
    sources = {json.dumps(json.loads(htmllib.unescape(s)), ensure_ascii=False)
               for s in re.findall(r'data-source="([^"]+)"', page)}
    assert sources == {json.dumps([{"text": "Not started", "value": "open"}, {"text": "Done", "value": "done"}],
                                  ensure_ascii=False)}
    links = re.findall(r'<a [^>]*data-role="x-editable"[^>]*>', page)
    values = {re.search(r'data-value="([^"]*)"', link).group(1) for link in links}
    assert links and values <= {"open", "done"}, values
    # Filter names and options are in English too.
    groups = json.loads(htmllib.unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1)))
    assert "Status" in groups and ["open", "Not started"] in groups["Status"][0]["options"]


def test_inline_save_outside_the_change_scope_answers_with_a_short_message(as_user):
    staff = as_user("staff")
    own = staff.account.staff_id
    step = db.session.scalar(sa.select(TaskStep).join(Task).join(Unit, Task.lead_unit_id == Unit.id).where(
        Unit.code == "PT-TNMT", TaskStep.responsible_staff_id != own, TaskStep.status == "open").limit(1))
    listing = staff.get("/admin/task_step/?page_size=100").get_data(as_text=True)
    assert f"/admin/task_step/details/?id={step.id}" in listing  # seen in the list...
    assert f'data-pk="{step.id}"' not in listing  # ...with no editor offered: the save would be refused
    # The server has the last word all the same.
    response = staff.post("/admin/task_step/ajax/update/", {"list_form_pk": str(step.id), "note": "Của người khác"})
    assert response.status_code == 403
    assert response.get_data(as_text=True) == INLINE_REFUSED[403]  # plain text, not an error page
    db.session.expire_all()
    assert db.session.get(TaskStep, step.id).note != "Của người khác"


def test_step_list_offers_an_inline_editor_only_where_the_save_is_accepted(as_user):
    """Staff: their own open steps; unit heads: their unit's open steps; a step already
    done shows its status as text (it is never reopened)."""
    staff = as_user("staff")
    own = staff.account.staff_id
    listing = staff.get("/admin/task_step/?page_size=100").get_data(as_text=True)
    editable = {int(pk) for pk in re.findall(r'data-role="x-editable"[^>]*data-pk="(\d+)"', listing)
                + re.findall(r'data-pk="(\d+)"[^>]*data-role="x-editable"', listing)}
    shown = {int(i) for i in re.findall(r"/admin/task_step/details/\?id=(\d+)", listing)}
    steps = {s.id: s for s in db.session.scalars(sa.select(TaskStep).where(TaskStep.id.in_(shown)))}
    assert editable and editable < shown
    assert all(steps[i].responsible_staff_id == own and steps[i].status == "open" for i in editable)
    assert [i for i in shown - editable if steps[i].responsible_staff_id == own and steps[i].status == "open"
            and steps[i].task.status in ("open", "in_progress")] == []
    head = as_user("head")
    listing = head.get("/admin/task_step/?page_size=100").get_data(as_text=True)
    editable = {int(pk) for pk in re.findall(r'data-pk="(\d+)"', listing)}
    shown = {int(i) for i in re.findall(r"/admin/task_step/details/\?id=(\d+)", listing)}
    steps = {s.id: s for s in db.session.scalars(sa.select(TaskStep).where(TaskStep.id.in_(shown)))}
    others = [i for i in editable if steps[i].responsible_staff_id != head.account.staff_id]
    assert others, "a unit head edits the unit's steps"
    done = [i for i in shown if steps[i].status == "done"]
    assert done and not set(done) & editable


def filter_groups(client) -> tuple[dict, set[str]]:
    """The task list's filter groups (Flask-Admin's JSON) and every operation named in them."""
    page = client.get("/admin/task/").get_data(as_text=True)
    groups = json.loads(htmllib.unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1)))
    return groups, {f["operation"] for group in groups.values() for f in group}


def test_filter_operations_and_options_follow_the_language(as_user):
    leader = as_user("leader")
    switch(leader, "en")
    groups, operations = filter_groups(leader)
    assert {"in unit (code) or a unit under it", "is unit (code), not the units under it", "equals"} <= operations
    assert ["overdue", "Overdue, not done"] in groups["Progress"][0]["options"]
    assert not [op for op in operations if re.search("[àáảãạâăđèéêìíòóôơùúưýếềệắằặấầậốồộớờợứừựịọụ]", op)]
    switch(leader, "vi")
    groups, operations = filter_groups(leader)
    assert {"thuộc đơn vị (mã) và cấp dưới", "là đơn vị (mã), không gồm cấp dưới", "là"} <= operations
    assert ["overdue", "Quá hạn chưa hoàn thành"] in groups["Tình trạng thực hiện"][0]["options"]


# ---------------------------------------------------------------- the catalogue
def _plain(value: Any) -> Any:
    # A plural entry: its id and strings are lists in one reader, tuples in the other.
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _catalogue() -> dict[tuple[Any, str | None], Any]:
    with CATALOGUE.open("rb") as source:
        return {(_plain(m.id), m.context): _plain(m.string) for m in read_po(source) if m.id}


def test_catalogue_has_english_for_every_label_menu_and_enumeration(app: Flask):
    catalogue = _catalogue()
    missing = []
    wanted: list[tuple[str, str | None]] = [(v, None) for v in COMMON_LABELS.values()]
    for name, values in vars(enums).items():
        if name.isupper() and isinstance(values, dict):
            wanted += [(v, None) for v in values.values()]
    for entry in registry.ENTRIES:
        wanted += [(entry.name, "menu"), (entry.category, "menu")]
        labels = entry.view.__dict__.get("column_labels")
        wanted += [(v, None) for v in (labels or {}).values()]
    wanted += [(name, "menu") for name in PAGE_RESOURCES.values()]
    admin = app.extensions["admin"][0]
    with app.test_request_context(), force_locale("vi"):
        for view in admin._views:  # every page in the menu, whoever registered it
            wanted += [(str(view.name), "menu")] + ([(str(view.category), "menu")] if view.category else [])
    for key in wanted:
        if not catalogue.get(key):
            missing.append(key)
    assert not missing, f"no English in {CATALOGUE.name} for: {sorted(set(missing))}"


#: Pages whose own words are all written for translation (``_()``/``gettext``/``label``).
TRANSLATED_TEMPLATES = ("admin/portal_index.html", "admin/dashboard/*.html", "admin/report/*.html")
TRANSLATED_MODULES = ("dashboard.py", "dashboard_leadership.py", "filters.py", "report_forms.py", "report_views.py")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "label": None}


def test_catalogue_has_english_for_the_start_page_dashboards_and_report(app: Flask):
    from babel.messages.extract import extract_from_file
    from jinja2.ext import babel_extract

    from portal.admin import dashboard, dashboard_charts, dashboard_leadership, report_forms, report_views
    from portal.services.periodic_report import TOTAL_NAME
    from portal.services.periodic_report_render import COLUMNS

    root = Path(__file__).resolve().parents[2] / "portal"
    found: list[tuple[str, str | None]] = []
    for pattern in TRANSLATED_TEMPLATES:
        for path in sorted((root / "templates").glob(pattern)):
            found += [(m if isinstance(m, str) else m[0], c) for _, m, _, c in
                      extract_from_file(babel_extract, path, keywords=KEYWORDS,
                                        options={"extensions": "jinja2.ext.i18n"})]
    for name in TRANSLATED_MODULES:
        found += [(m if isinstance(m, str) else m[0], c) for _, m, _, c in
                  extract_from_file("python", root / "admin" / name, keywords=KEYWORDS)]
    # Texts looked up by value where they are shown.
    shown = [*dashboard_charts.STATUS_SHORT.values(), *dashboard_leadership.PROPOSAL_NAMES.values(),
             *report_views.STATUS_LABELS.values(), *(c.header for c in COLUMNS), *report_forms.TOO_LONG.values(),
             report_forms.NO_UNIT, report_forms.UNIT_REFUSED, report_views.JOB_FAILED, report_views.FILE_MISSING,
             report_views.TOO_LARGE, TOTAL_NAME, dashboard.BAD_MONTH]
    found += [(text, None) for text in shown]
    assert len(found) > 150, "the pages' texts were found"
    catalogue = _catalogue()
    english = {(i if isinstance(i, str) else i[0], c): t for (i, c), t in catalogue.items()}
    missing = sorted({key for key in found if not english.get(key)})
    assert not missing, f"no English in {CATALOGUE.name} for: {missing}"
    with app.test_request_context(), force_locale("en"):
        assert gettext(dashboard.BAD_MONTH, value="13/2025").startswith("Reporting period «13/2025»")


def test_compiled_catalogue_matches_its_source():
    with CATALOGUE.with_suffix(".mo").open("rb") as compiled:
        mo = {(_plain(m.id), m.context): _plain(m.string) for m in read_mo(compiled) if m.id}
    assert mo == _catalogue(), "messages.mo is stale: run portal.translations.compile_catalogues()"


def test_labels_translate_by_context_and_path(app: Flask):
    with app.test_request_context(), force_locale("en"):
        assert str(label("Nhiệm vụ")) == "Task" and str(label("Nhiệm vụ", "menu")) == "Tasks"
        assert str(label("Vai trò / Mã")) == "Role / Code"
        inner = label("Mã")
        assert label(inner) is inner and str(inner) == "Code"
        assert gettext("Tiến độ (%)") == "Progress (%)"
    with app.test_request_context(), force_locale("vi"):
        assert str(label("Nhiệm vụ", "menu")) == "Nhiệm vụ"
    # Outside a request (CLI, jobs, documents) labels stay Vietnamese.
    assert str(label("Hạn xử lý")) == "Hạn xử lý"


# ---------------------------------------------------------------- decisions
def test_decider_and_decision_time_on_list_and_details(as_user):
    leader = as_user("leader")
    row = db.session.scalar(sa.select(Commendation).where(Commendation.source_key == "demo:commendation:3"))
    assert leader.post(f"/admin/commendation/decide/?id={row.id}", {"decision": "approve"}).status_code == 302
    name = leader.account.display_name
    for url in ("/admin/commendation/", "/admin/reassignment/", "/admin/disciplinary_review/"):
        headers = table_headers(leader.get(url).get_data(as_text=True))
        assert "Người quyết định" in headers and "Thời điểm quyết định" in headers, (url, headers)
    page = leader.get("/admin/commendation/").get_data(as_text=True)
    cells = re.findall(r'<td class="col-decided_by">\s*(.*?)\s*</td>', page, flags=re.S)
    assert any(name in cell for cell in cells), cells
    details = leader.get(f"/admin/commendation/details/?id={row.id}").get_data(as_text=True)
    found = dict((htmllib.unescape(re.sub(r"<[^>]+>", "", k)).strip(), htmllib.unescape(re.sub(r"<[^>]+>", "", v)).strip())
                 for k, v in re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", details, flags=re.S))
    assert name in found["Người quyết định"], found
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", found["Thời điểm quyết định"]), found
    assert "Người đề xuất" in found


# ---------------------------------------------------------------- permission matrix
def test_matrix_and_start_page_show_the_page_resources(as_user):
    admin = as_user("admin")
    matrix = admin.get("/admin/permission_matrix/").get_data(as_text=True)
    for resource, name in PAGE_RESOURCES.items():
        row = re.search(rf'<tr data-resource="{resource}">(.*?)</tr>', matrix, flags=re.S)
        assert row and name in row.group(1), resource
    sweep = re.search(r'<tr data-resource="sweep">(.*?)</tr>', matrix, flags=re.S).group(1)
    assert "Thêm" in sweep and "Xem" in sweep  # admin and leadership may run it
    start = admin.get("/admin/").get_data(as_text=True)
    assert "<td>Quét thời hạn</td>" in start and "<td>Giám sát hàng đợi</td>" in start
    # Single permissions on a page can be edited like any other.
    form = admin.get("/admin/permission/new/").get_data(as_text=True)
    assert '<option value="sweep">Quét thời hạn</option>' in form
    assert '<option value="queue">Giám sát hàng đợi</option>' in form
    switch(admin, "en")
    assert "Deadline sweep" in admin.get("/admin/permission_matrix/").get_data(as_text=True)


# ---------------------------------------------------------------- headings and wording
PAGES = {  # page → (its heading, who opens it)
    "/admin/work/": ("Văn bản đã phát hành", "head"), "/admin/work/answers/": ("Trả lời lấy ý kiến", "head"),
    "/admin/work/consultations/": ("Lấy ý kiến do đơn vị chủ trì", "head"),
    "/admin/work/my-steps/": ("Việc của tôi", "staff"),
    "/admin/background/sweep/": ("Quét thời hạn", "admin"), "/admin/background/queue/": ("Giám sát hàng đợi", "admin"),
    "/admin/background/queue/failed": ("Tác vụ lỗi", "admin"),
    "/admin/background/samples/": ("Mẫu kiểm tra", "inspector"),
    "/admin/background/sample-request/": ("Yêu cầu chọn mẫu", "inspector"),
    "/admin/background/samples/verify": ("Kiểm tra mẫu (vsample-v1)", "inspector"),
    "/admin/task/": ("Nhiệm vụ", "head"), "/admin/permission_matrix/": ("Ma trận phân quyền", "admin"),
}


@pytest.mark.parametrize("url", sorted(PAGES))
def test_each_page_has_one_heading(as_user, url):
    heading, username = PAGES[url]
    response = as_user(username).get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    body = page[page.index("</nav>"):]
    headings = [htmllib.unescape(re.sub(r"<[^>]+>", "", h)).strip()
                for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", body, flags=re.S)]
    assert len(re.findall(r"<h1\b", body)) == 1, headings
    assert headings[0] == heading and headings.count(heading) == 1, headings


def test_inline_rows_are_named_in_vietnamese_style(as_user):
    page = as_user("head").get("/admin/task/new/").get_data(as_text=True)
    assert ">Thêm bước xử lý</a>" in page and ">Thêm lần gia hạn</a>" in page
    assert "Bước xử lý (mới)" in page
    assert "Thêm Các" not in page and "Mới Các" not in page


@pytest.mark.parametrize("text,row,button", [
    ("Các bước xử lý", "Bước xử lý", "Thêm bước xử lý"),
    ("Cơ quan được lấy ý kiến", "Cơ quan được lấy ý kiến", "Thêm cơ quan được lấy ý kiến"),
    ("UBND xã", "UBND xã", "Thêm UBND xã"),
    ("Kiến nghị", "Kiến nghị", "Thêm kiến nghị"),
])
def test_inline_labels(text, row, button):
    assert item_label(text) == row and add_label(text) == button


# ---------------------------------------------------------------- list filters
def test_date_filters_read_dd_mm_yyyy_like_iso(app: Flask, as_user):
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "task")
    index, flt = next((i, f) for i, f in enumerate(view._filters)
                      if getattr(f, "column", None) is not None and f.column.key == "due_date"
                      and type(f).__name__ == "DateSmallerFilter")
    arg = view.get_filter_arg(index, flt)
    head = as_user("head")
    iso = head.get(f"/admin/task/?flt0_{arg}=2025-07-01&page_size=100").get_data(as_text=True)
    local = head.get(f"/admin/task/?flt0_{arg}=01/07/2025&page_size=100").get_data(as_text=True)
    rows = lambda page: re.findall(r'/admin/task/details/\?id=(\d+)', page)  # noqa: E731
    everything = rows(head.get("/admin/task/?page_size=100").get_data(as_text=True))
    assert rows(local) == rows(iso) and 0 < len(rows(local)) < len(everything)


@pytest.mark.parametrize("typed,iso", [
    ("01/07/2025", "2025-07-01"), ("1/7/2025", "2025-07-01"), ("2025-07-01", "2025-07-01"),
    ("01/07/2025 to 31/07/2025", "2025-07-01 to 2025-07-31"), ("05/03/2026 8:05", "2026-03-05 08:05:00"),
    ("31/02/2026", "2026-02-31"), ("abc", "abc"),
])
def test_iso_dates(typed, iso):
    assert iso_dates(typed) == iso


def test_static_assets_are_local():
    templates = Path(__file__).resolve().parents[2] / "portal" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)="(https?:)?//', text), path
