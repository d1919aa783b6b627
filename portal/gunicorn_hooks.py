"""gunicorn settings read with ``gunicorn -c python:portal.gunicorn_hooks …``.

Why: a portal worker holds a large, long-lived object graph (the mapped models,
Flask-Admin's views, compiled templates). Python's full garbage collections walk
all of it now and then, which shows as a 100–300 ms stall of an otherwise 40 ms
page. Once the application is loaded, those objects are moved out of the
collector's reach (``gc.freeze``, as the ``gc`` documentation advises for
pre-forking servers); what requests create is collected as usual.
"""
from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Called by gunicorn in each worker right after it loaded the application."""
    gc.collect()
    gc.freeze()
