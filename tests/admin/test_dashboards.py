"""The role dashboards on the start page (issue 6) through HTTP, on the demo world:
each role's sections, every number and every chart value opening the list of exactly
the rows it counts, links that resolve, scope, the reporting period, no inline script."""
from __future__ import annotations

import html as htmllib
import json
import re
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from portal.admin.dashboard import parse_month
from portal.extensions import db
from portal.auth.passwords import hash_password
from portal.models import Account, Role, Staff, Unit
from tests.admin.conftest import DEMO_USERS, flashes, forget_request_state
from tests.conftest import DEMO_PASSWORD

SECTIONS = {
    "leadership": ("Nhiệm vụ theo tình trạng, theo đơn vị", "Tỉ lệ hoàn thành đúng hạn theo tháng",
                   "Lấy ý kiến: ý kiến các cơ quan", "Đề xuất chờ quyết định", "Đơn vị có kết quả kém nhất"),
    "inspector": ("Cuộc kiểm tra theo trạng thái và hình thức", "Kết quả kiểm tra theo loại và mức độ",
                  "Mẫu ngẫu nhiên đã rút", "Đơn vị chưa được kiểm tra trong 12 tháng qua"),
    "unit_head": ("Nhiệm vụ quá hạn và sắp đến hạn", "Bước xử lý quá hạn và sắp đến hạn",
                  "Ý kiến đơn vị phải trả lời", "Quán triệt văn bản chỉ đạo mới nhất"),
    "staff": ("Việc của tôi: các bước xử lý chưa hoàn thành", "Văn bản chỉ đạo cần quán triệt"),
}
DASHBOARD_OF = {"admin": "leadership", "leader": "leadership", "inspector": "inspector", "head": "unit_head",
                "head2": "unit_head", "commune": "unit_head", "staff": "staff"}
#: Flask-Admin list pages: one "list-buttons-column" cell per row shown.
ROW = re.compile(r'<td class="list-buttons-column"')
LIST_LINK = re.compile(r'<a href="(/admin/[a-z_]+/\?[^"]+)">([\d.]+)</a>')
CHART = re.compile(r"data-chart='([^']+)'")


def dashboard_part(html: str) -> str:
    """The dashboard, without the menu bar and the table of rights below it."""
    return html[html.index('<div class="dash">'):html.index("Những việc bạn được làm")]


def rows_of(client, url: str) -> int:
    response = client.get(url + "&page_size=100")
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    assert "không hợp lệ" not in flashes(page), (url, flashes(page))  # every filter was understood
    return len(ROW.findall(page))


def charts(html: str) -> list[dict]:
    return [json.loads(htmllib.unescape(spec)) for spec in CHART.findall(html)]


@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_role_gets_its_dashboard(as_user, username):
    html = as_user(username).get("/admin/").get_data(as_text=True)
    for heading in SECTIONS[DASHBOARD_OF[username]]:
        assert heading in html, (username, heading)
    others = {h for name, headings in SECTIONS.items() if name != DASHBOARD_OF[username] for h in headings}
    assert not [h for h in others if h in html]
    assert "Những việc bạn được làm" in html and "permission-table" in html  # still there, below
    assert '/static/vendor/chartjs/chart.umd.js"' in html and '/static/dashboard.js"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> is blocked by the CSP"
    assert not re.search(r"\son[a-z]+=", dashboard_part(html)), "inline handlers are blocked by the CSP"


def check_charts(client, html: str) -> int:
    """Open every bar's list: it holds as many rows as the bar counts (the segments of a
    bar that share one list — the staff of a unit, acknowledged or not — together)."""
    specs = charts(html)
    assert specs, "the dashboard draws its charts"
    checked = 0
    for spec in specs:
        assert spec["labels"] and all(len(d["data"]) == len(spec["labels"]) == len(d["links"]) for d in spec["datasets"])
        if spec["type"] != "bar":
            continue
        expected: dict[str, int] = {}
        for dataset in spec["datasets"]:
            for value, url in zip(dataset["data"], dataset["links"]):
                if url:
                    expected[url] = expected.get(url, 0) + value
        for url, value in expected.items():
            assert rows_of(client, url) == value, (spec["title"], url)
            checked += 1
    return checked


@pytest.mark.parametrize("username", ("admin", "leader", "inspector"))
def test_every_chart_value_opens_the_rows_it_counts(as_user, username):
    client = as_user(username)
    assert check_charts(client, client.get("/admin/").get_data(as_text=True))


def test_a_head_with_units_under_it_sees_the_coverage_unit_by_unit(as_user, session):
    unit = session.scalar(sa.select(Unit).where(Unit.code == "PT-GDDT"))
    head = session.scalars(sa.select(Staff).where(Staff.unit_id == unit.id)
                           .order_by(Staff.is_manager.desc(), Staff.id)).first()
    role = session.scalar(sa.select(Role.id).where(Role.code == "unit_head"))
    session.add(Account(username="gddt-head", password_hash=hash_password(DEMO_PASSWORD), role_id=role,
                        staff_id=head.id, unit_id=unit.id, display_name=head.full_name))
    session.flush()
    client = as_user("gddt-head")
    html = client.get("/admin/").get_data(as_text=True)
    coverage = [spec for spec in charts(html) if spec["title"] == "Quán triệt văn bản chỉ đạo mới nhất"]
    assert coverage and len(coverage[0]["labels"]) > 1  # the office itself and each of its schools
    assert check_charts(client, html) == len(coverage[0]["labels"])
    inside, outside = subtree_names(client.account)
    assert [name for name in outside if name in html and not any(name in own for own in inside)] == []


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_number_opens_the_list_of_exactly_those_rows(as_user, username):
    client = as_user(username)
    links = LIST_LINK.findall(dashboard_part(client.get("/admin/").get_data(as_text=True)))
    assert links or username == "staff"  # a staff member's figures open "Việc của tôi" instead
    for href, number in links:
        expected = int(number.replace(".", ""))
        if expected <= 100:
            assert rows_of(client, htmllib.unescape(href)) == expected, (username, href)


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_link_of_the_dashboard_resolves(as_user, username):
    client = as_user(username)
    part = dashboard_part(client.get("/admin/").get_data(as_text=True))
    hrefs = {htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', part)}
    assert hrefs, "the dashboard links its figures"
    for href in sorted(hrefs):
        assert client.get(href).status_code == 200, (username, href)


def test_the_leaders_decision_links_open_the_decision_page(as_user):
    client = as_user("leader")
    part = dashboard_part(client.get("/admin/").get_data(as_text=True))
    decide = re.findall(r'href="(/admin/(?:commendation|reassignment|disciplinary_review)/decide/\?id=\d+)"', part)
    assert decide, "proposals waiting come with a one-click decision"
    for href in decide:
        page = client.get(href).get_data(as_text=True)
        assert "Ghi nhận quyết định" in page
    # Administrators see the proposals but do not decide them.
    assert "/decide/" not in dashboard_part(as_user("admin").get("/admin/").get_data(as_text=True))


def test_the_answers_due_are_those_of_the_answer_page(as_user):
    client = as_user("head")
    part = dashboard_part(client.get("/admin/").get_data(as_text=True))
    table = part[part.index("Ý kiến đơn vị phải trả lời"):part.index("Quán triệt văn bản chỉ đạo mới nhất")]
    codes = re.findall(r'href="/admin/work/answers/">([^<]+)</a>', table)
    assert codes
    answers = client.get("/admin/work/answers/").get_data(as_text=True)
    assert all(code in answers for code in codes)


def subtree_names(account: Account) -> tuple[set[str], set[str]]:
    path = db.session.scalar(sa.select(Unit.path).where(Unit.id == account.unit_id))
    names = dict(db.session.execute(sa.select(Unit.name, Unit.path)).tuples().all())
    inside = {n for n, p in names.items() if p.startswith(path)}
    return inside, set(names) - inside


@pytest.mark.parametrize("username", ("head", "head2", "commune", "staff"))
def test_unit_heads_and_staff_see_no_other_units_name(as_user, username):
    client = as_user(username)
    inside, outside = subtree_names(client.account)
    page = client.get("/admin/").get_data(as_text=True)
    assert any(name in page for name in inside)
    leaked = [name for name in outside if name in page and not any(name in own for own in inside)]
    assert leaked == []


def test_a_heads_figures_are_those_of_the_unit_lists(as_user):
    client = as_user("head")
    part = dashboard_part(client.get("/admin/").get_data(as_text=True))
    overdue = re.search(r'<a href="([^"]+)">(\d+)</a></div>\s*<div class="dash-kpi-label">Nhiệm vụ quá hạn<', part)
    assert overdue and "PT-TNMT" in overdue.group(1)
    page = client.get(htmllib.unescape(overdue.group(1)) + "&page_size=100").get_data(as_text=True)
    assert len(ROW.findall(page)) == int(overdue.group(2)) > 0
    assert "outcome-overdue" in page and "outcome-done_on_time" not in page


def test_the_reporting_period_can_be_chosen(as_user):
    client = as_user("leader")
    page = client.get("/admin/?ky=2025-06").get_data(as_text=True)
    assert "Đang xem: <strong>04/2025 – 06/2025</strong>" in page
    assert 'value="06/2025"' in page
    bad = client.get("/admin/?ky=13/2025")
    assert bad.status_code == 200
    assert "Kỳ báo cáo «13/2025» không hợp lệ" in flashes(bad.get_data(as_text=True))


def test_parse_month():
    assert parse_month("2025-06") == parse_month("06/2025") == parse_month(" 6/2025 ") == date(2025, 6, 1)
    assert parse_month("") is None and parse_month(None) is None
    for bad in ("2025-13", "0/2025", "06/1999", "tháng 6", "2025-6-1"):
        with pytest.raises(ValueError):
            parse_month(bad)


def test_a_staff_member_acknowledges_from_the_directive_link(as_user):
    client = as_user("staff")
    part = dashboard_part(client.get("/admin/").get_data(as_text=True))
    directive = re.search(r'href="(/admin/directive/details/\?id=\d+)"', part)
    assert directive, "the demo staff member has a directive to acknowledge"
    assert "Tôi đã được quán triệt văn bản này" in client.get(htmllib.unescape(directive.group(1))).get_data(as_text=True)


# ---------------------------------------------------------------- in English
ENGLISH = {
    "leadership": ("Tasks by status and unit", "On-time completion rate by month",
                   "Consultations: answers of the bodies consulted", "Proposals awaiting a decision",
                   "Units with the weakest record"),
    "inspector": ("Inspections by status and mode", "Findings by kind and severity", "Random samples drawn",
                  "Units not inspected in the last 12 months"),
    "unit_head": ("Overdue tasks and tasks due soon", "Overdue steps and steps due soon",
                  "Consultations your unit must answer", "Acknowledgement of the latest directive"),
    "staff": ("My work: steps not yet done", "Directives to acknowledge"),
}
ENGLISH_CHARTS = {"Tasks by status and unit", "On-time completion rate by month", "Inspections by status",
                  "Findings by kind of breach", "Acknowledgement of the latest directive"}
#: A letter only Vietnamese writes (names of units and people are data and stay as they are).
VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)
#: The page's own words on a dashboard (no data in them): section headings, table headers,
#: figure captions, buttons, labels, tooltips.
OWN_WORDS = re.compile(r'<(h2|h3|th|button|label)\b[^>]*>(.*?)</\1>|<div class="dash-kpi-label">(.*?)</div>', re.S)


def switch(client, code: str) -> None:
    forget_request_state()
    assert client.client.get(f"/lang/{code}").status_code == 302


def own_words(html: str) -> list[str]:
    part = html[html.index('<div class="dash">'):]
    texts = [m.group(2) or m.group(3) or "" for m in OWN_WORDS.finditer(part)]
    texts += re.findall(r'(?:aria-label|title)="([^"]*)"', part)
    return [htmllib.unescape(re.sub(r"<[^>]+>", " ", t)).strip() for t in texts]


@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_dashboard_reads_in_english_and_back(as_user, username):
    client = as_user(username)
    name = DASHBOARD_OF[username]
    switch(client, "en")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Hello, " in html and "Role: <strong>" in html and "What you may do" in html
    for heading in ENGLISH[name]:
        assert heading in html, (username, heading)
    assert not [h for h in SECTIONS[name] if h in html], "the Vietnamese headings are gone"
    words = [w for w in own_words(html) if w]
    assert words and not [w for w in words if VIETNAMESE.search(w)], [w for w in words if VIETNAMESE.search(w)]
    for spec in charts(html):
        assert spec["title"] in ENGLISH_CHARTS, spec["title"]
        assert not [d["label"] for d in spec["datasets"] if VIETNAMESE.search(d["label"])], spec["datasets"]
        if name == "inspector":  # the bars are statuses and kinds, not units
            assert not [label for label in spec["labels"] if VIETNAMESE.search(label)], spec["labels"]
    if name in ("leadership", "unit_head"):
        assert re.search(r"as of \d{2}/\d{2}/\d{4}", html), "dates stay dd/mm/yyyy"
    switch(client, "vi")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Xin chào, " in html and "Những việc bạn được làm" in html
    for heading in SECTIONS[name]:
        assert heading in html, (username, heading)
    assert not [h for h in ENGLISH[name] if h in html]


def test_leadership_charts_name_their_series_in_the_pages_language(as_user):
    client = as_user("leader")
    switch(client, "en")
    specs = {spec["title"]: spec for spec in charts(client.get("/admin/").get_data(as_text=True))}
    series = [d["label"] for d in specs["Tasks by status and unit"]["datasets"]]
    assert series == ["Done on time", "Done late", "In progress, within the deadline", "Overdue, not done"]
    assert [d["label"] for d in specs["On-time completion rate by month"]["datasets"]] == ["On-time rate (%)"]
    switch(client, "vi")
    specs = {spec["title"]: spec for spec in charts(client.get("/admin/").get_data(as_text=True))}
    assert [d["label"] for d in specs["Tỉ lệ hoàn thành đúng hạn theo tháng"]["datasets"]] == ["Tỉ lệ đúng hạn (%)"]


def test_a_wrong_period_is_refused_in_english(as_user):
    client = as_user("leader")
    switch(client, "en")
    page = client.get("/admin/?ky=13/2025").get_data(as_text=True)
    assert "Reporting period «13/2025» is not valid" in flashes(page)
    assert "Showing: <strong>" in page


@contextmanager
def counting():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("username", DEMO_USERS)
def test_the_start_page_runs_a_fixed_number_of_queries(as_user, username):
    client = as_user(username)
    client.get("/admin/")
    with counting() as statements:
        assert client.get("/admin/").status_code == 200
    # Aggregates and first rows only: no query per unit, task or step shown.
    assert len(statements) <= 30, "\n".join(statements)


def test_numbers_and_rates_are_written_the_way_the_pages_language_writes_them(app):
    """Grouping and decimal marks follow the page's language (Babel's CLDR data)."""
    from flask import session

    from portal.admin.dashboard_charts import num, pct

    for language, (big, rate) in {"vi": ("1.234.567", "85,3 %"), "en": ("1,234,567", "85.3%")}.items():
        with app.test_request_context():
            session["lang"] = language
            forget_request_state()
            assert (num(1234567), pct(0.8534), num(None), pct(None)) == (big, rate, "—", "—"), language
