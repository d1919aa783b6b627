"""The admin portal in a real Chromium (issue 3): each demo account's menu (on one
line at 1366 px), row scope by URL, a leadership decision through the screen (who
decided and when), the language switch, and screenshots of the main pages at
1366×768 and at phone size. The widgets (inline edit, date picker): test_widgets_browser.py."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.admin import registry
from portal.admin.labels import PAGE_RESOURCES
from portal.models import Account, AuditLog, Commendation, Task, TaskStep, Unit
from seed.demo import DEMO_ACCOUNTS
from seed.reference import DEFAULT_PERMISSIONS
from tests.e2e.conftest import PHONE, BrowserErrors, LiveServer, horizontal_overflow, login, menu_bar_lines, shot

USERS = tuple(DEMO_ACCOUNTS)
HTTP_ERROR = r"Failed to load resource: the server responded with a status of 40[34]"


def menu_links(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("nav a[href^='/admin/']", "els => els.map(e => e.getAttribute('href'))"))


#: The work and background pages (not in the registry): link → the cell that opens it.
PAGES = {
    "/admin/work/answers/": ("consultation_recipient", "view"),
    "/admin/work/consultations/": ("consultation", "view"),
    "/admin/work/": ("notice", "view"),
    "/admin/work/my-steps/": ("task_step", "view"),
    "/admin/background/sweep/": ("sweep", "view"),
    "/admin/background/sample-request/": ("sample", "sample"),
    "/admin/background/samples/": ("sample", "view"),
    "/admin/background/queue/": ("queue", "view"),
}


def screens_for(role: str) -> tuple[set[str], set[str]]:
    """(menu links the role must see, menu links it must not see), from the default matrix."""
    cells = {(resource, action) for resource, actions in DEFAULT_PERMISSIONS[role].items() for action in actions}
    links = {f"/admin/{e.endpoint_name}/": (e.resource_name, "view") for e in registry.ENTRIES} | PAGES
    shown = {link for link, cell in links.items() if cell in cells}
    return shown, set(links) - shown


def account(server: LiveServer, username: str) -> Account:
    return server.read(lambda s: s.scalars(sa.select(Account).where(Account.username == username)).one())


# ---------------------------------------------------------------- login and menus
def test_login_page(page: Any, phone_page: Any) -> None:
    for p, size in ((page, "desktop"), (phone_page, "phone")):
        p.goto("/login")
        assert p.title().startswith("Đăng nhập")
        assert p.get_by_label("Tên đăng nhập").is_visible() and p.get_by_label("Mật khẩu").is_visible()
        assert p.get_by_role("button", name="Đăng nhập").is_visible()
        assert horizontal_overflow(p) == 0
        shot(p, f"login-{size}")
    # A wrong password: a Vietnamese message, still on the login page.
    page.fill("input[name=username]", "head")
    page.fill("input[name=password]", "sai-mat-khau")
    page.click("form button[type=submit]")
    page.wait_for_selector(".alert")
    assert "/login" in page.url
    assert page.locator(".alert").inner_text().strip()
    shot(page, "login-refused-desktop")


def test_anonymous_goes_to_login(page: Any) -> None:
    page.goto("/admin/task/")
    assert "/login" in page.url and "next=" in page.url


@pytest.mark.parametrize("username", USERS)
def test_each_account_sees_its_menu(page: Any, make_page: Any, server: LiveServer, username: str) -> None:
    role = DEMO_ACCOUNTS[username][0]
    me = account(server, username)
    login(page, username, form=True)
    assert page.url.rstrip("/").endswith("/admin")
    links = menu_links(page)
    shown, hidden = screens_for(role)
    assert shown <= links, f"{username} ({role}) misses menu entries: {sorted(shown - links)}"
    assert not (hidden & links), f"{username} ({role}) sees menu entries it may not open: {sorted(hidden & links)}"
    # The matrix screen is for those who may view permissions only.
    assert ("/admin/permission_matrix/" in links) == ("view" in DEFAULT_PERMISSIONS[role].get("permission", ()))
    navbar = page.locator("nav").inner_text()
    assert me.display_name in navbar
    assert menu_bar_lines(page) == 1, f"the menu bar of {username} wraps at 1366 px"
    assert page.get_by_role("heading", name=f"Xin chào, {me.display_name}").is_visible()
    # The start page lists what the role may do: one row per resource with a permission,
    # pages (the sweep, the queues) included.
    names = {**registry.resource_names(), **PAGE_RESOURCES}
    rows = page.locator("table.permission-table tbody tr td:first-child").all_inner_texts()
    assert sorted(rows) == sorted(names[r] for r in DEFAULT_PERMISSIONS[role] if r in names)
    # The menu really opens: every role has the work category ("Nhiệm vụ").
    page.get_by_role("link", name=registry.WORK, exact=True).click()
    work = {e.name for e in registry.ENTRIES
            if e.category == registry.WORK and f"/admin/{e.endpoint_name}/" in shown}
    items = page.locator(".dropdown-menu.show a.dropdown-item")
    items.first.wait_for()
    assert set(items.all_inner_texts()) == work
    shot(page, f"index-{username}-desktop")

    phone = make_page(PHONE, like=page)  # the same session, on a phone
    phone.goto("/admin/")
    assert horizontal_overflow(phone) == 0, f"the start page of {username} is wider than a phone"
    shot(phone, f"index-{username}-phone")
    phone.click(".navbar-toggler")
    phone.wait_for_selector("#admin-navbar-collapse.collapse.show")
    assert phone.get_by_role("link", name=registry.WORK, exact=True).is_visible()
    shot(phone, f"index-{username}-phone-menu", full_page=False)


def test_logout(page: Any) -> None:
    login(page, "staff")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login")
    assert "Bạn đã đăng xuất." in page.inner_text("body")
    page.goto("/admin/task_step/")
    assert "/login" in page.url


# ---------------------------------------------------------------- row scope by URL
def test_unit_head_cannot_open_another_units_task(page: Any, server: LiveServer,
                                                   browser_errors: BrowserErrors) -> None:
    browser_errors.allow(HTTP_ERROR)  # the 403/404 this test asks for
    foreign: Task = server.read(lambda s: s.scalars(
        sa.select(Task).join(Unit, Task.lead_unit_id == Unit.id).where(Unit.code == "PT-TCKH").order_by(Task.id)
    ).first())
    step_id = server.scalar(sa.select(TaskStep.id).where(TaskStep.task_id == foreign.id).limit(1))
    login(page, "head")
    urls = [f"/admin/task/details/?id={foreign.id}", f"/admin/task/edit/?id={foreign.id}"]
    if step_id is not None:
        urls += [f"/admin/task_step/details/?id={step_id}", f"/admin/task_step/edit/?id={step_id}"]
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status in (403, 404), f"{url}: {response and response.status}"
        body = page.inner_text("body")
        assert foreign.code not in body and foreign.title not in body, f"{url} shows the other unit's task"
    shot(page, "task-forbidden-desktop")
    # Nor through the list or its search.
    page.goto(f"/admin/task/?search={foreign.code}")
    assert foreign.title not in page.inner_text("body")
    # The head's own task opens.
    own = server.scalar(sa.select(Task.id).join(Unit, Task.lead_unit_id == Unit.id)
                        .where(Unit.code == "PT-TNMT").order_by(Task.id).limit(1))
    assert page.goto(f"/admin/task/details/?id={own}").status == 200


# ---------------------------------------------------------------- a leadership decision
def test_leader_approves_a_commendation(make_page: Any, fresh_server: LiveServer,
                                        browser_errors: BrowserErrors) -> None:
    leader = account(fresh_server, "leader")
    target: Commendation = fresh_server.read(lambda s: s.scalars(
        sa.select(Commendation).where(Commendation.status == "proposed",
                                      sa.or_(Commendation.proposed_by_id.is_(None),
                                             Commendation.proposed_by_id != leader.id))
        .order_by(Commendation.proposed_at.desc())
    ).first())
    assert target is not None, "the demo data has no proposed commendation"
    page = make_page(on=fresh_server)
    login(page, "leader")
    page.goto("/admin/commendation/")
    decide = page.locator(f"a[href*='/admin/commendation/decide/?id={target.id}']")
    assert decide.count() == 1, "no decision button on the proposed commendation's row"
    decide.click()
    page.wait_for_url("**/decide/**")
    shot(page, "commendation-decide-desktop")
    page.get_by_label("Phê duyệt").check()
    page.get_by_label("Lý do").fill("Thành tích xuất sắc, hồ sơ đầy đủ.")
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    page.wait_for_url("**/admin/commendation/")
    assert "Đã phê duyệt đề xuất." in page.inner_text("body")
    row = page.locator("tr", has=page.locator(f"input.action-checkbox[value='{target.id}']"))
    assert "Đã phê duyệt" in row.inner_text() and leader.display_name in row.inner_text()
    assert decide.count() == 0, "a decided proposal still offers the decision button"
    shot(page, "commendation-approved-desktop")

    page.goto(f"/admin/commendation/details/?id={target.id}")
    details = dict(zip(page.locator("table tr td:first-child").all_inner_texts(),
                       page.locator("table tr td:nth-child(2)").all_inner_texts()))
    assert details.get("Trạng thái") == "Đã phê duyệt", details
    assert details.get("Thời điểm quyết định", "").strip(), details
    assert leader.display_name in details.get("Người quyết định", ""), details
    assert details.get("Lý do quyết định") == "Thành tích xuất sắc, hồ sơ đầy đủ."
    # Who decided: recorded on the row and in the audit log, which leadership may read.
    stored = fresh_server.read(lambda s: s.get(Commendation, target.id))
    assert stored.status == "approved" and stored.decided_by_id == leader.id
    page.goto("/admin/audit_log/?search=commendation")
    first = page.locator("table.model-list tbody tr").first.inner_text()
    assert "leader" in first and str(target.id) in first, first
    assert fresh_server.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.table_name == "commendation", AuditLog.row_id == str(target.id), AuditLog.actor == "leader")) >= 1
    # A second decision on the same proposal is refused (no way back through the URL).
    browser_errors.allow(r"status of 400 .*/decide/")
    page.goto(f"/admin/commendation/decide/?id={target.id}")
    page.get_by_label("Từ chối").check()
    page.get_by_label("Lý do").fill("Thử quyết định lại.")
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    page.wait_for_load_state()
    assert page.locator(".alert-danger, .alert-error").count() >= 1, "no message when deciding twice"
    assert fresh_server.read(lambda s: s.get(Commendation, target.id)).status == "approved"


# ---------------------------------------------------------------- language
def test_language_switch(page: Any) -> None:
    login(page, "leader")
    page.goto("/admin/task/")
    assert page.get_by_role("button", name="Đăng xuất").is_visible()
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_load_state()
    assert "/admin/task/" in page.url, "the language switch should come back to the same page"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.locator("a.nav-link", has_text="List").first.is_visible()
    # The portal's own words too: menus, column headers, statuses.
    headers = [h.strip() for h in page.locator("table.model-list thead th").all_inner_texts() if h.strip()]
    assert headers == ["Code", "Title", "Lead unit", "Owner", "Received on", "Due date", "Status", "Progress"]
    assert page.get_by_role("link", name="Organisation", exact=True).is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    assert menu_bar_lines(page) == 1, "the English menu bar wraps at 1366 px"
    shot(page, "task-list-english-desktop")
    page.get_by_role("link", name="VI", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Đăng xuất").is_visible()
    assert page.locator("a.nav-link", has_text="Danh sách").first.is_visible()
    assert "Hạn xử lý" in page.locator("table.model-list thead").inner_text()
    assert page.get_by_role("link", name="Tổ chức", exact=True).is_visible()
    # Before logging in, too.
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_label("Username").is_visible() and page.get_by_role("button", name="Log in").is_visible()
    shot(page, "login-english-desktop")


# ---------------------------------------------------------------- the main pages
MAIN_PAGES = (  # (name, url, also at phone size)
    ("task-list", "/admin/task/", True),
    ("task-detail", "/admin/task/details/?id={task}", True),
    ("task-step-list", "/admin/task_step/", False),
    ("consultation-list", "/admin/consultation/", True),
    ("commendation-list", "/admin/commendation/", True),
    ("permission-matrix", "/admin/permission_matrix/", False),
    ("sweep", "/admin/background/sweep/", True),
    ("notices-issued", "/admin/work/", True),
)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_main_pages(make_page: Any, server: LiveServer, viewport: str) -> None:
    page = make_page(PHONE) if viewport == "phone" else make_page()
    ids = {"task": server.scalar(sa.select(Task.id).join(Unit, Task.lead_unit_id == Unit.id)
                                 .where(Unit.code == "PT-TNMT").order_by(Task.id).limit(1))}
    login(page, "admin")
    for name, url, on_phone in MAIN_PAGES:
        if viewport == "phone" and not on_phone:
            continue
        response = page.goto(url.format(**ids))
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        assert "Cổng trách nhiệm công vụ" in page.text_content("nav")
        assert page.locator("h1").count() == 1, f"{url}: one heading per page"
        shot(page, f"{name}-{viewport}")
        if viewport == "desktop":
            assert horizontal_overflow(page) == 0, f"{url} is wider than 1366 px"
    # The officials' status is shown in colour on the task list.
    page.goto("/admin/task/")
    badges = page.locator("[class*='outcome-']")
    assert badges.count() > 0
    assert page.evaluate("getComputedStyle(document.querySelector('.outcome-overdue') || document.body).color") \
        != "rgb(33, 37, 41)"
