"""Vietnamese by default, English one click away."""
from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("vi", "en")


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return "vi"


def init_app(app: Flask) -> None:
    from .extensions import babel

    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Ho_Chi_Minh")

    @app.route("/lang/<code>")
    def set_language(code: str):  # type: ignore[no-untyped-def]
        from flask import redirect, url_for

        from .auth.redirects import safe_next

        if code in LANGUAGES:
            session["lang"] = code
        return redirect(safe_next(request.referrer and _path_of(request.referrer), url_for("admin.index")))


def _path_of(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
