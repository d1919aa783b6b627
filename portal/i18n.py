"""Vietnamese by default, English one click away.

Vietnamese is the source text everywhere (labels, menus, enumerations, messages);
``portal/translations/en/LC_MESSAGES/messages.po`` gives the English. Code that
shows a label to a person wraps it with :func:`label` where it is displayed (menus,
column headers, choices), so the same Vietnamese dictionaries still feed the
official documents, the audit log and the services, which never change language.

The language of a request: the one chosen with ``/lang/<code>`` (kept in the
session), else the account's own setting, else Vietnamese. Outside a request
(CLI, jobs) it is always Vietnamese.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, redirect, request, session, url_for
from flask_babel import LazyString, gettext, lazy_gettext, lazy_pgettext
from werkzeug.wrappers import Response

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
#: Catalogue context of menu entries: "Nhiệm vụ" is "Tasks" in the menu but "Task" as a column.
MENU = "menu"
#: Flask-Admin names a filter on a related column "Vai trò / Mã": each part is translated.
PATH_SEPARATOR = " / "


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    from flask_login import current_user

    preferred = getattr(current_user, "language", None) if current_user else None
    return preferred if preferred in LANGUAGES else DEFAULT


def current_language() -> str:
    """The language of the page being built ("vi" or "en")."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def label(text: Any, context: str | None = None) -> Any:
    """A Vietnamese label that reads in the page's language when it is shown.

    Anything that is not a plain string (already lazy, ``None``, a number) is
    returned unchanged, so wrapping twice is harmless."""
    if type(text) is not str or not text:
        return text
    if context:
        return lazy_pgettext(context, text)
    if PATH_SEPARATOR in text:
        return LazyString(_joined, text.split(PATH_SEPARATOR))
    return lazy_gettext(text)



def _joined(parts: list[str]) -> str:
    return PATH_SEPARATOR.join(gettext(part) for part in parts)


def labels(mapping: dict[str, Any]) -> dict[str, Any]:
    """:func:`label` over the values of a dictionary (column labels, enumerations)."""
    return {key: label(value) for key, value in mapping.items()}


def translate(text: Any) -> str:
    """The text in the page's language now (for JSON and other places a lazy string cannot go)."""
    if isinstance(text, LazyString):
        return str(text)
    return gettext(text) if type(text) is str and text else ("" if text is None else str(text))


def _fresh_locale() -> None:
    # Flask-Babel caches the locale on ``g``; where an app context outlives one
    # request (tests, CLI) the next request must choose again.
    g.pop("_flask_babel", None)


def init_app(app: Flask) -> None:
    from .extensions import babel
    from .translations import TRANSLATIONS_DIR

    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT, default_timezone="Asia/Ho_Chi_Minh",
                   default_translation_directories=str(TRANSLATIONS_DIR))
    app.before_request(_fresh_locale)
    app.add_template_global(current_language)

    @app.route("/lang/<code>")
    def set_language(code: str) -> Response:
        from .auth.redirects import safe_next

        if code in LANGUAGES:
            session["lang"] = code
        return redirect(safe_next(request.referrer and _path_of(request.referrer), url_for("admin.index")))


def _path_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
