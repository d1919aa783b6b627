"""Public-duty accountability portal: the application factory."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from .config import build_config


def create_app(config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Flask:
    """Build the app. ``config`` overrides settings; ``env`` replaces ``os.environ`` (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(build_config(app.instance_path, env))
    if config:
        app.config.update(config)

    from . import admin, auth, cli, database, errors, i18n, security
    from .extensions import csrf
    from .services import audit, sample_reveal

    database.init_app(app)
    audit.init_app(app)
    sample_reveal.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    admin.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
