"""Filling and reading the portal's forms in the browser as a user does (select2
fields, the date picker, saving, the messages shown)."""
from __future__ import annotations

from typing import Any


def pick(page: Any, field_id: str, search: str, choice: str | None = None) -> None:
    """Choose ``choice`` (default: the first result containing ``search``) in a
    Flask-Admin autocomplete field (select2) the way a user does: type, then click."""
    page.click(f"#s2id_{field_id} a.select2-choice")
    page.keyboard.type(search)
    results = page.locator("#select2-drop li.select2-result-selectable")
    wanted = results.filter(has_text=choice or search).first
    wanted.wait_for()
    wanted.click()
    expect = choice or search
    chosen = page.locator(f"#s2id_{field_id} .select2-chosen").inner_text()
    assert expect in chosen, f"{field_id}: chose {chosen!r}, wanted {expect!r}"


def choose(page: Any, field_id: str, label: str) -> None:
    """Choose an option of a plain select (enhanced by select2) by its visible label."""
    page.select_option(f"select#{field_id}", label=label, force=True)


def type_date(page: Any, field_id: str, value: str) -> None:
    """Enter a date (dd/mm/yyyy) or an instant (dd/mm/yyyy hh:mm) and close the picker."""
    field = page.locator(f"#{field_id}")
    # The whole value at once, then a key the picker listens to (it re-reads the field on
    # key-up). Typed digit by digit, the picker rewrites "2" as "02/mm/yyyy" at once.
    field.fill(value)
    field.press("End")
    page.mouse.click(2, 300)  # the page margin: closes the date picker like a user's click elsewhere
    page.locator(".daterangepicker").last.wait_for(state="hidden")
    assert page.input_value(f"#{field_id}") == value


def save(page: Any, button: str = "Lưu") -> None:
    invalid = page.eval_on_selector_all("form :invalid", "els => els.map(e => e.id || e.name)")
    assert not invalid, f"the browser refuses to submit: fields {invalid} are invalid"
    with page.expect_navigation():
        page.locator(f"input[type=submit][value='{button}'], button[type=submit]:text-is('{button}')").first.click()


def flashes(page: Any) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def field_errors(page: Any) -> str:
    return " ".join(page.locator(".invalid-feedback, .help-block, .form-text.text-danger, .alert-danger").all_inner_texts())
