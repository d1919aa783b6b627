"""End-to-end tests in a real Chromium (Playwright driving the system browser).

* Every test here is marked ``browser``; the whole folder is skipped, with a message
  saying how to enable it, when Chromium is missing (``CHROMIUM_PATH`` overrides
  ``/usr/bin/chromium``) or the ``playwright`` package is not installed.
* The demo database is built once per session (``create_all`` + ``seed_demo``) and
  copied for each server: ``live_server`` (one per module, for tests that only look)
  and ``fresh_server`` (one per test, for tests that change data).
* Each server is the real app (``TESTING`` off) behind werkzeug's threaded server.
* Every page reports console errors, uncaught exceptions and Content-Security-Policy
  violations; a test with any of them fails (see ``pytest_runtest_call``).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, project_root

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = project_root() / "tests" / "artifacts"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
E2E_ENV = {"PORTAL_ENV": "testing", "SECRET_KEY": "e2e"}
#: Reports CSP violations from inside every page (init scripts are not subject to the
#: CSP). The violation event comes a moment later and is lost if the page is left at
#: once, so code evaluated from a string (eval, Function) is also reported as it fails.
CSP_LISTENER = """(function () {
  function report(what) { console.error('Content Security Policy violation: ' + what); }
  document.addEventListener('securitypolicyviolation', function (e) {
    report(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
  });
  var NativeFunction = window.Function, nativeEval = window.eval;
  function guarded(call, what) {
    return function () {
      try { return call.apply(this, arguments); }
      catch (e) {
        if (e instanceof EvalError) { report(what + ' refused, called ' + (new Error().stack.split('\\n')[2] || '').trim()); }
        throw e;
      }
    };
  }
  window.eval = guarded(nativeEval, 'eval()');
  window.Function = guarded(NativeFunction, 'new Function()');
  window.Function.prototype = NativeFunction.prototype;
})();"""
#: Open defects of the pages, known and tracked: seen, they are reported as warnings
#: (pytest's summary) instead of failing every test that passes by. Remove an entry
#: when its defect is fixed. (pattern, what is wrong)
KNOWN_DEFECTS: tuple[tuple[str, str], ...] = ()


class KnownDefectWarning(UserWarning):
    """A page still has a known, tracked defect (see ``KNOWN_DEFECTS``)."""


def _why_skip() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM}: apt-get install chromium to run the browser tests"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install playwright to run the browser tests"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _why_skip()
    for item in items:
        if HERE not in Path(str(item.path)).parents:
            continue
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


# ---------------------------------------------------------------- console errors and CSP
@dataclass
class BrowserErrors:
    """Console errors, page exceptions and CSP violations seen during one test."""

    seen: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect messages matching ``pattern`` (e.g. the 403 a test provokes on purpose)."""
        self.allowed.append(re.compile(pattern))

    def watch(self, page: Any) -> None:
        page.add_init_script(CSP_LISTENER)
        page.on("console", lambda message: self._console(message, page))
        page.on("pageerror", lambda exc: self.seen.append(f"uncaught: {exc} ({page.url})"))

    def _console(self, message: Any, page: Any) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        # Chromium asks every site for /favicon.ico; the portal has none (not a page error).
        if source.endswith("/favicon.ico"):
            return
        self.seen.append(f"console: {message.text} ({source or page.url})")

    def unexpected(self) -> list[str]:
        return [m for m in self.seen if not any(p.search(m) for p in self.allowed)]

    def known_defects(self) -> set[str]:
        return {what for pattern, what in KNOWN_DEFECTS for m in self.unexpected() if re.search(pattern, m)}

    def failures(self) -> list[str]:
        return [m for m in self.unexpected() if not any(re.search(p, m) for p, _ in KNOWN_DEFECTS)]


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    errors = getattr(item, "funcargs", {}).get("browser_errors")
    if errors is None:
        return result
    for what in sorted(errors.known_defects()):
        warnings.warn(KnownDefectWarning(what), stacklevel=1)
    problems = errors.failures()
    if problems:
        counted = {m: problems.count(m) for m in problems}
        pytest.fail("errors in the browser (console, uncaught or Content-Security-Policy):\n  " + "\n  ".join(
            m if n == 1 else f"{m} [×{n}]" for m, n in counted.items()), pytrace=False)
    return result


# ---------------------------------------------------------------- database and server
@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once: every server runs on a copy of it."""
    from portal import create_app
    from portal.extensions import db
    from seed.demo import seed_demo

    path = tmp_path_factory.mktemp("e2e-template") / "demo.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}, env=E2E_ENV)
    with app.app_context():
        db.create_all()
        seed_demo(db.session)
        db.session.commit()
        db.engine.dispose()
    return path


@dataclass
class LiveServer:
    url: str
    db_file: Path
    app: Any = None

    def engine(self) -> sa.Engine:
        return sa.create_engine(f"sqlite:///{self.db_file}")

    def read(self, fn: Callable[[Session], Any]) -> Any:
        """Run ``fn(session)`` on the server's database file (outside the app)."""
        engine = self.engine()
        try:
            with Session(engine) as session:
                return fn(session)
        finally:
            engine.dispose()

    def scalar(self, statement: Any) -> Any:
        return self.read(lambda s: s.scalar(statement))

    def count(self, model: type, *where: Any) -> int:
        return self.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture(scope="session")
def redis_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One embedded Redis for every server of the session (started on first use);
    each server empties it when it stops."""
    path = tmp_path_factory.mktemp("e2e-redis") / "redis.rdb"
    yield path
    from types import SimpleNamespace

    from portal.queue import shutdown_embedded

    shutdown_embedded(SimpleNamespace(config={"EMBEDDED_REDIS_PATH": str(path)}, extensions={}))


def _serve(db_file: Path, redis_path: Path) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.extensions import db

    # Its own embedded Redis and sample files, next to its database (never the checkout's).
    app = create_app({"TESTING": False, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
                      "EMBEDDED_REDIS_PATH": str(redis_path),
                      "SAMPLES_DIR": str(db_file.parent / "samples")}, env=E2E_ENV)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the test output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", db_file=db_file, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        for key in ("portal_redis", "portal_redis_ping"):  # the app's clients, if it used Redis
            client = app.extensions.pop(key, None)
            if client is not None:
                client.flushall()
                client.close()
        with app.app_context():
            db.engine.dispose()


def _copy(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "portal.db"
    shutil.copyfile(template, target)
    return target


@pytest.fixture(scope="module")
def live_server(demo_db_template: Path, redis_file: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per module, on its own copy of the demo database."""
    yield from _serve(_copy(demo_db_template, tmp_path_factory.mktemp("e2e-module")), redis_file)


@pytest.fixture
def fresh_server(demo_db_template: Path, redis_file: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of the test's own, on a fresh copy of the demo database."""
    yield from _serve(_copy(demo_db_template, tmp_path), redis_file)


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The server ``page`` and ``phone_page`` talk to (a module may override it with ``fresh_server``)."""
    return live_server


# ---------------------------------------------------------------- browser and pages
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def make_page(browser: Any, server: LiveServer, browser_errors: BrowserErrors) -> Iterator[Callable[..., Any]]:
    """``make_page(viewport, on=server, like=page)``: a page in a browser context of its
    own (own cookies), or sharing the session of ``like`` (already logged in)."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] = DESKTOP, on: LiveServer | None = None, like: Any = None) -> Any:
        state = like.context.storage_state() if like is not None else None
        context = browser.new_context(base_url=(on or server).url, viewport=viewport, locale="vi-VN",
                                      timezone_id="Asia/Ho_Chi_Minh", storage_state=state)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        browser_errors.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page: Callable[..., Any]) -> Any:
    return make_page(DESKTOP)


@pytest.fixture
def phone_page(make_page: Callable[..., Any]) -> Any:
    return make_page(PHONE)


# ---------------------------------------------------------------- helpers
#: username → the session cookie its first login through the form gave (see ``login``).
_SESSIONS: dict[str, list[Any]] = {}


def login(page: Any, username: str, password: str = DEMO_PASSWORD, *, form: bool = False) -> None:
    """Log in through the portal's own login form; lands on the admin index.

    The first login of each account in the session goes through the form; later ones
    reuse the session cookie it gave (every server signs with the same key and has
    the same demo accounts), which saves a password hash per test. ``form=True``
    always uses the form."""
    cookies = None if form or password != DEMO_PASSWORD else _SESSIONS.get(username)
    if cookies:
        page.context.add_cookies(cookies)
        page.goto("/admin/")
        if "/login" not in page.url:
            return
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "/login" not in page.url, f"login as {username} failed: {page.inner_text('body')[:300]}"
    if password == DEMO_PASSWORD:
        _SESSIONS[username] = [c for c in page.context.cookies() if c["name"] == "session"]


def logout(page: Any) -> None:
    with page.expect_navigation():
        page.click("form[action$='/logout'] button[type=submit]")


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG screenshot under ``tests/artifacts/`` (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def menu_bar_lines(page: Any) -> int:
    """On how many lines the menu bar's entries lie (a new line: a middle 15 px lower)."""
    middles = sorted(page.eval_on_selector_all(
        "#admin-navbar-collapse > :is(.navbar-brand, .navbar-text, .btn-group, form), .navbar-nav > li",
        "els => els.map(e => e.getBoundingClientRect()).map(r => r.top + r.height / 2)"))
    return 1 + sum(1 for a, b in zip(middles, middles[1:]) if b - a > 15)


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when nothing is cut off)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
