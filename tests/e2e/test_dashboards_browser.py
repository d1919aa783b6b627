"""The start page of each role and the periodic report in a real Chromium (issue 6):
at 1366×768 and at phone size the charts are drawn, the numbers table is there,
nothing is wider than the screen, a click on a bar opens the list it counts, and
the report's XLSX and DOCX open. Screenshots go to ``tests/artifacts/``.

``PORTAL_UPDATE_SCREENSHOTS=1`` also writes the README's picture of the leadership
dashboard, ``docs/screenshots/leadership-dashboard.png``.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import project_root
from tests.e2e.conftest import DESKTOP, PHONE, BrowserErrors, LiveServer, horizontal_overflow, login, shot
from tests.e2e.forms import flashes

README_SHOT = project_root() / "docs" / "screenshots" / "leadership-dashboard.png"
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
LIST_PAGE = 25  # rows on a list's first page

#: username → (the section only its dashboard has, how many charts it draws at least)
DASHBOARDS = {
    "admin": ("dash-units", 2),
    "leader": ("dash-units", 2),
    "inspector": ("dash-inspections", 2),
    "head": ("dash-tasks", 0),
    "staff": ("dash-mine", 0),
}

#: For every chart: is a Chart.js instance attached, how many values it shows, and
#: whether its pixels differ from an empty canvas of the same size.
CHARTS = """() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(canvas => {
  const chart = window.Chart && window.Chart.getChart(canvas);
  const empty = document.createElement('canvas');
  empty.width = canvas.width; empty.height = canvas.height;
  const box = canvas.getBoundingClientRect();
  return {
    title: JSON.parse(canvas.dataset.chart).title,
    drawn: Boolean(chart),
    values: chart ? chart.data.datasets.reduce((n, d) => n + d.data.filter(v => v !== null).length, 0) : 0,
    blank: canvas.toDataURL() === empty.toDataURL(),
    width: box.width, height: box.height,
    inside: box.left >= 0 && box.right <= document.documentElement.clientWidth + 0.5,
  };
})"""

#: The middle of the first bar (or point) of chart ``index`` that has a list behind it.
FIRST_LINKED = """(index) => {
  const canvas = document.querySelectorAll('canvas[data-chart]')[index];
  canvas.scrollIntoView({block: 'center'});
  const chart = window.Chart.getChart(canvas);
  const spec = JSON.parse(canvas.dataset.chart);
  for (let d = 0; d < spec.datasets.length; d++) {
    const set = spec.datasets[d];
    for (let i = 0; i < set.data.length; i++) {
      if (!set.data[i] || !set.links[i]) { continue; }
      const point = chart.getDatasetMeta(d).data[i].getCenterPoint();
      const box = canvas.getBoundingClientRect();
      return {x: box.left + point.x, y: box.top + point.y, value: set.data[i], url: set.links[i],
              percent: spec.percent, series: set.label, label: spec.titles[i]};
    }
  }
  return null;
}"""


def list_rows(page: Any) -> int:
    """How many rows the opened Flask-Admin list shows (its pages hold up to 25)."""
    return page.locator("table.model-list tbody tr:not(:has(td[colspan]))").count()  # not "no records"


def shown(value: int) -> int:
    """The rows the list's first page shows for ``value`` records."""
    return min(value, LIST_PAGE)


def check_charts(page: Any, at_least: int, where: str) -> list[dict[str, Any]]:
    charts = page.evaluate(CHARTS)
    assert len(charts) >= at_least, f"{where}: {len(charts)} charts, expected at least {at_least}"
    for chart in charts:
        assert chart["drawn"], f"{where}: chart «{chart['title']}» was not drawn"
        assert chart["values"] > 0 and not chart["blank"], f"{where}: chart «{chart['title']}» is empty"
        assert chart["width"] > 200 and chart["height"] >= 150, f"{where}: chart «{chart['title']}» is tiny: {chart}"
        assert chart["inside"], f"{where}: chart «{chart['title']}» sticks out of the screen"
    return charts


def open_from_chart(page: Any, index: int) -> dict[str, Any]:
    """Click the first linked bar of chart ``index`` like a user; return what was clicked."""
    target = page.evaluate(FIRST_LINKED, index)
    assert target is not None, "the chart has no bar with a list behind it"
    with page.expect_navigation() as navigation:
        page.mouse.click(target["x"], target["y"])
    response = navigation.value
    assert response is not None and response.status == 200, f"{target['url']}: {response and response.status}"
    assert page.url.endswith(target["url"]), (page.url, target["url"])
    return target


def table_links(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        ".dash .dash-table a[href], .dash .dash-kpi a[href], .dash .dash-count a[href]",
        "els => [...new Set(els.map(e => e.getAttribute('href')))]")


# ---------------------------------------------------------------- the start pages
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("username", list(DASHBOARDS))
def test_start_page_dashboard(make_page: Any, server: LiveServer, username: str, viewport: str) -> None:
    section, charts = DASHBOARDS[username]
    page = make_page(VIEWPORTS[viewport])
    login(page, username)
    response = page.goto("/admin/")
    assert response is not None and response.status == 200
    where = f"{username} at {viewport}"
    assert page.locator(f"#{section}").is_visible(), f"{where}: not the dashboard of the role"
    # The numbers are in tables (keyboards, screen readers, print), with figures in them.
    tables = page.locator(".dash .dash-table")
    assert tables.count() >= 1, f"{where}: no numbers table"
    assert page.locator(".dash .dash-table tbody tr").count() >= 1, f"{where}: the numbers tables are empty"
    assert page.locator(".dash-kpi").count() >= 3, f"{where}: the figure cards are missing"
    check_charts(page, charts, where)
    assert horizontal_overflow(page) == 0, f"{where}: the page is wider than the screen"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"dashboard-{username}-{viewport}")

    if viewport == "phone":
        return
    # Every figure of the tables and cards opens its list (the account may open it).
    links = table_links(page)
    assert links, f"{where}: no figure links to its list"
    for url in links:
        got = page.request.get(url)
        assert got.status == 200, f"{where}: {url} answered {got.status}"
    # A click on a bar opens the filtered list; for a count, the list has that many rows.
    if charts:
        target = open_from_chart(page, 0)
        assert "flt" in page.url, f"{where}: the chart opened an unfiltered list"
        if not target["percent"]:
            assert list_rows(page) == shown(target["value"]), \
                f"{where}: «{target['series']}» of «{target['label']}» is {target['value']}, the list has {list_rows(page)}"


def test_unit_head_figure_opens_its_list(page: Any, server: LiveServer) -> None:
    """Without a chart, the unit head's figure cards open their filtered lists."""
    login(page, "head")
    page.goto("/admin/")
    card = page.locator(".dash-kpi", has_text="Nhiệm vụ quá hạn").first
    value = int(card.locator(".dash-kpi-value").inner_text().replace(".", "").rstrip("+"))
    with page.expect_navigation() as navigation:
        card.locator(".dash-kpi-value a").click()
    assert navigation.value is not None and navigation.value.status == 200
    assert "/admin/task/" in page.url and "flt" in page.url
    assert list_rows(page) == shown(value) > 0
    assert page.locator("table.model-list tbody .outcome-overdue").count() == shown(value)


def test_leadership_period_is_chosen_in_the_page(page: Any, server: LiveServer) -> None:
    """The period field reads mm/yyyy in the page's language (not the browser's month picker)."""
    login(page, "leader")
    page.goto("/admin/")
    field = page.locator("#dash-ky")
    assert re.fullmatch(r"\d{2}/\d{4}", field.input_value()), field.input_value()
    for month, window in (("03/2025", "01/2025 – 03/2025"), ("06/2025", "04/2025 – 06/2025")):
        field.fill(month)
        with page.expect_navigation():
            page.get_by_role("button", name="Xem", exact=True).click()
        assert f"Đang xem: {window}" in page.inner_text(".dash-period")
        assert page.input_value("#dash-ky") == month
        assert window in page.inner_text("#dash-units")
        check_charts(page, 2, f"leader, {window}")
    # The README's picture: the screen a leader sees first, on a 1366×768 display.
    assert page.viewport_size == DESKTOP
    shot(page, "leadership-dashboard", full_page=False)
    if os.environ.get("PORTAL_UPDATE_SCREENSHOTS") == "1":
        README_SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SHOT), full_page=False)


# ---------------------------------------------------------------- the periodic report
def test_leader_periodic_report(make_page: Any, server: LiveServer, browser_errors: BrowserErrors,
                                tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    browser_errors.allow(r"status of 400 .*/admin/report/")  # the refused period, on purpose
    page = make_page()
    login(page, "leader")
    page.goto("/admin/report/")
    assert page.locator("[data-report-form]").is_visible()
    shot(page, "report-form-desktop")

    # A period that ends before it starts: a Vietnamese message, the form keeps what was typed.
    page.fill("#start", "30/06/2025")
    page.fill("#end", "01/01/2025")
    with page.expect_navigation():
        page.get_by_role("button", name="Xem báo cáo").click()
    assert page.locator("[data-report-table]").count() == 0
    assert flashes(page).strip(), "no message for a period that ends before it starts"
    assert page.input_value("#start") == "30/06/2025" and page.input_value("#end") == "01/01/2025"

    page.fill("#start", "01/01/2025")
    page.fill("#end", "30/06/2025")
    with page.expect_navigation():
        page.get_by_role("button", name="Xem báo cáo").click()
    table = page.locator("[data-report-table]")
    assert table.is_visible(), flashes(page)
    rows = table.locator("tbody tr")
    assert rows.count() >= 3, "the report has almost no units"
    assert page.locator("[data-report-totals]").is_visible()
    header = page.locator("[data-report] .card-header").inner_text()
    assert "01/01/2025" in header and "30/06/2025" in header, header
    assert horizontal_overflow(page) == 0
    shot(page, "report-desktop")
    first_unit = rows.first.locator("td").nth(1).inner_text().strip() or rows.first.locator("td").first.inner_text()

    # The two downloads open with the libraries an official's office would use.
    with page.expect_download() as download:
        page.locator("[data-report-download=xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    book.close()
    assert any(first_unit in c for c in cells), f"{first_unit!r} is not in the XLSX"
    assert any("01/01/2025" in c for c in cells) or any("2025" in c for c in cells)

    with page.expect_download() as download:
        page.locator("[data-report-download=docx]").click()
    assert download.value.suggested_filename.endswith(".docx")
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "BÁO CÁO" in text.upper() and "2025" in text, text[:500]
    assert first_unit in text, f"{first_unit!r} is not in the DOCX"

    # The same report on a phone: the table scrolls in its frame, the page does not.
    phone = make_page(PHONE, like=page)
    phone.goto(page.url)
    assert phone.locator("[data-report-table] tbody tr").count() == rows.count()
    assert horizontal_overflow(phone) == 0, "the report page is wider than a phone"
    shot(phone, "report-phone")
    # Scrolled to its last column, the table still shows which unit each row is.
    frame = phone.locator("[data-report] .table-responsive")
    frame.evaluate("el => { el.scrollIntoView({block: 'start'}); el.scrollLeft = el.scrollWidth; }")
    seen = phone.evaluate("""() => {
      const frame = document.querySelector('[data-report] .table-responsive').getBoundingClientRect();
      const row = document.querySelector('[data-report-table] tbody tr');
      const name = row.children[1].getBoundingClientRect(), last = row.lastElementChild.getBoundingClientRect();
      return {name: name.left - frame.left, last: frame.right - last.right, width: name.width};
    }""")
    assert abs(seen["name"]) < 2 and seen["width"] > 100, f"the unit's name scrolls away: {seen}"
    assert seen["last"] >= -1, f"the last column cannot be reached: {seen}"
    shot(phone, "report-phone-scrolled", full_page=False)
