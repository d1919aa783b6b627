"""The gunicorn settings module (``-c python:portal.gunicorn_hooks``): gunicorn
accepts its hook, and the hook moves the loaded application out of the garbage
collector's passes."""
from __future__ import annotations

import gc

from gunicorn.config import Config

from portal import gunicorn_hooks


def test_gunicorn_takes_the_hook_as_its_post_worker_init() -> None:
    config = Config()
    config.set("post_worker_init", gunicorn_hooks.post_worker_init)
    assert config.post_worker_init is gunicorn_hooks.post_worker_init


def test_after_the_hook_the_objects_already_loaded_are_frozen() -> None:
    before = gc.get_freeze_count()
    try:
        gunicorn_hooks.post_worker_init(None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()  # this test process goes on collecting as before
