"""Entry point. ``flask --app wsgi`` finds and calls ``create_app``; gunicorn runs
``gunicorn 'wsgi:create_app()'``. Nothing is read or opened at import."""
from portal import create_app

__all__ = ["create_app"]
