"""Flask-Admin's widgets in a real Chromium under the portal's Content-Security-Policy
(issue 3): x-editable's drop-downs load their options and save through the server's
rules; the date picker reads what is typed strictly, keeps a wrong date as typed with
a message in the page's language, and speaks Vietnamese (weeks from Monday); list
filters take dd/mm/yyyy. Any CSP violation or console error fails a test (conftest)."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.admin.base import INLINE_REFUSED
from portal.models import Account, Recommendation, Task, TaskStep, Unit
from tests.e2e.conftest import BrowserErrors, LiveServer, login, shot
from tests.e2e.forms import field_errors, pick, save


@pytest.fixture
def server(fresh_server: LiveServer) -> LiveServer:
    """These tests change data: each has its own copy of the demo database."""
    return fresh_server


def choose_in_editor(page: Any, label: str) -> None:
    """Choose ``label`` in an open x-editable drop-down with the keyboard, as a user may:
    the drop-down opens while its pop-up is still being placed, so a pointer click can
    land where an option was a moment before; keys go to the drop-down wherever it is."""
    page.locator("#select2-drop li.select2-result-selectable").first.wait_for()
    highlighted = page.locator("#select2-drop li.select2-highlighted")
    for _ in range(len(page.locator("#select2-drop li.select2-result-selectable").all())):
        if highlighted.count() and highlighted.inner_text() == label:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chosen = page.locator(".editable-container .select2-chosen")
    assert chosen.inner_text() == label, f"chose {chosen.inner_text()!r}, wanted {label!r}"


def submit_editor(page: Any) -> None:
    """Press the editor's ✓ from the keyboard. The pop-up is placed again (Popper) when
    its content changes; on a busy machine that lands between a pointer's press and
    release, and the click then reaches only the page's body."""
    page.locator(".editable-submit").press("Enter")


def test_inline_edit_drop_down_loads_its_options_and_saves(page: Any, server: LiveServer) -> None:
    login(page, "inspector")
    page.goto("/admin/recommendation/")
    cell = page.locator("a[data-role='x-editable'][name='status'][data-value='open']").first
    pk = int(cell.get_attribute("data-pk"))
    assert server.scalar(sa.select(Recommendation.status).where(Recommendation.id == pk)) == "open"
    cell.click()
    # The drop-down shows the current value and both options: x-editable read its JSON options.
    page.locator(".editable-container .select2-container").wait_for()
    assert page.locator(".editable-container .select2-chosen").inner_text() == "Chưa thực hiện"
    options = page.locator("#select2-drop li.select2-result-selectable")
    options.first.wait_for()
    assert options.all_inner_texts() == ["Chưa thực hiện", "Đã thực hiện"]
    shot(page, "inline-edit-open-desktop", full_page=False)
    choose_in_editor(page, "Đã thực hiện")
    with page.expect_response(lambda r: "/ajax/update/" in r.url) as answer:
        submit_editor(page)
    assert answer.value.status == 200, answer.value.text()
    # The cell shows the new value once x-editable has read the answer, a moment later.
    expect(page.locator(f"a[data-role='x-editable'][data-pk='{pk}']")).to_have_text("Đã thực hiện")
    assert server.scalar(sa.select(Recommendation.status).where(Recommendation.id == pk)) == "done"
    # Read again from the server: the new value is the preselected one.
    page.reload()
    assert page.locator(f"a[data-role='x-editable'][data-pk='{pk}']").get_attribute("data-value") == "done"


def test_inline_edit_outside_ones_scope_says_why_in_the_pop_up(page: Any, server: LiveServer,
                                                                 browser_errors: BrowserErrors) -> None:
    """Staff see their unit's steps but change only their own: a colleague's step offers
    no editor. A step handed to a colleague while its editor is open is refused by the
    server, with a short message under the field and nothing saved."""
    own = server.scalar(sa.select(Account.staff_id).where(Account.username == "staff"))
    colleague_step = server.scalar(sa.select(TaskStep.id).join(Task).join(Unit, Task.lead_unit_id == Unit.id).where(
        Unit.code == "PT-TNMT", TaskStep.responsible_staff_id != own, TaskStep.status == "open").limit(1))
    colleague = server.scalar(sa.select(TaskStep.responsible_staff_id).where(TaskStep.id == colleague_step))
    login(page, "staff")
    page.goto("/admin/task_step/?page_size=100")
    assert page.locator(f"a[href*='/admin/task_step/details/?id={colleague_step}']").count() == 1
    assert page.locator(f"a[data-role='x-editable'][data-pk='{colleague_step}']").count() == 0
    cell = page.locator("a[data-role='x-editable'][name='status']").first
    step = int(cell.get_attribute("data-pk"))
    assert server.scalar(sa.select(TaskStep.responsible_staff_id).where(TaskStep.id == step)) == own
    cell.click()
    choose_in_editor(page, "Đã hoàn thành")
    engine = server.engine()
    with engine.begin() as conn:  # the unit head hands the step to a colleague meanwhile
        conn.execute(sa.update(TaskStep).where(TaskStep.id == step).values(responsible_staff_id=colleague))
    engine.dispose()
    browser_errors.allow(r"status of 403 .*/ajax/update/")
    submit_editor(page)
    error = page.locator(".editable-error-block")
    error.wait_for()
    assert error.inner_text().strip() == INLINE_REFUSED[403]
    error.scroll_into_view_if_needed()
    shot(page, "inline-edit-refused-desktop", full_page=False)
    assert server.scalar(sa.select(TaskStep.status).where(TaskStep.id == step)) == "open"


def _open_task_form(page: Any) -> Any:
    login(page, "head")
    page.goto("/admin/task/new/")
    return page.locator("#received_on")


def test_wrong_date_is_kept_with_a_vietnamese_message(page: Any, server: LiveServer) -> None:
    field = _open_task_form(page)
    field.click()
    page.keyboard.type("31/02/2026", delay=15)  # key by key, as people type
    assert field.input_value() == "31/02/2026"
    page.mouse.click(2, 300)
    assert field.input_value() == "31/02/2026", "the picker rewrote a wrong date"
    error = page.locator("[data-date-error]")
    assert error.inner_text() == "Ngày không hợp lệ (định dạng dd/mm/yyyy)."
    assert "Invalid date" not in page.content()
    shot(page, "date-wrong-desktop", full_page=False)
    # Typing a right date, digit by digit: nothing is rewritten under the fingers,
    # the message goes, the calendar follows (Vietnamese, weeks from Monday).
    field.fill("")
    field.click()
    page.keyboard.type("5/3/2026", delay=15)
    assert field.input_value() == "5/3/2026" and error.count() == 0
    calendar = page.locator(".daterangepicker:visible .calendar.left")
    assert calendar.locator("select.monthselect").evaluate("s => s.options[s.selectedIndex].text") == "Th3"
    assert calendar.locator("thead tr").last.locator("th").all_inner_texts() == ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
    assert calendar.locator("td.active").inner_text() == "5"
    shot(page, "date-picker-vietnamese-desktop", full_page=False)
    page.mouse.click(2, 300)
    assert field.input_value() == "05/03/2026"
    # The server still has the last word on a wrong date (and saves nothing).
    before = server.count(Task)
    page.fill("#code", "E2E-NGAY-SAI")
    page.fill("#title", "Ngày sai")
    pick(page, "lead_unit", "Tài nguyên")
    pick(page, "authority_unit", "UBND huyện", "UBND huyện Phong Thổ")
    field.fill("31/02/2026")
    page.mouse.click(2, 300)
    save(page)
    assert "Ngày không hợp lệ (định dạng dd/mm/yyyy)." in field_errors(page)
    # Sent back as typed; the picker opens on a usable calendar, not on "Invalid date".
    assert page.input_value("#received_on") == "31/02/2026"
    page.locator("#received_on").click()
    assert page.locator(".daterangepicker:visible td.available").count() >= 28
    assert "Invalid date" not in page.content() and "NaN" not in page.locator(".daterangepicker:visible").inner_text()
    assert server.count(Task) == before


def test_wrong_date_message_in_english(page: Any, server: LiveServer) -> None:
    field = _open_task_form(page)
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_url("**/admin/task/new/")
    field.click()
    page.keyboard.type("2026-13-45", delay=15)
    page.mouse.click(2, 300)
    assert page.locator("[data-date-error]").inner_text() == "Invalid date (type it as dd/mm/yyyy)."
    assert field.input_value() == "2026-13-45"
    field.fill("")
    field.click()
    page.keyboard.type("05/03/2026", delay=15)
    calendar = page.locator(".daterangepicker:visible .calendar.left")
    assert calendar.locator("thead tr").last.locator("th").first.inner_text() == "Mo"


def test_list_filter_takes_dd_mm_yyyy(page: Any, server: LiveServer) -> None:
    due = server.scalar(sa.select(Task.due_date).join(Unit, Task.lead_unit_id == Unit.id)
                        .where(Unit.code == "PT-TNMT", Task.due_date.is_not(None)).order_by(Task.id).limit(1))
    typed = f"{due:%d/%m/%Y}"
    login(page, "head")
    page.goto("/admin/task/")
    page.locator("a.nav-link", has_text="Thêm bộ lọc").click()
    page.locator(".field-filters a.filter", has_text="Hạn xử lý").first.click()
    value = page.locator("#filter_form table.filters input.filter-val").last
    assert value.get_attribute("data-date-format") == "DD/MM/YYYY"
    value.click()
    page.keyboard.type(typed, delay=15)
    page.mouse.click(2, 400)
    assert value.input_value() == typed
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    # The filter kept what was typed and the list is the tasks due that day ("bằng").
    assert page.locator("#filter_form table.filters input.filter-val").last.input_value() == typed
    shown = page.locator("table.model-list tbody td.col-due_date").all_inner_texts()
    assert shown and all(text.strip() == typed for text in shown), shown
    shot(page, "task-list-filtered-desktop", full_page=False)
