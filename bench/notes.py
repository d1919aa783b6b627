"""Why a target is missed: written by hand from the measurements, keyed like the
report's lines (``page:<list>``, ``page``, ``dashboard``, ``nplus1``, ``count``,
``sweep_first``, ``sweep_rerun_since``, ``draw_db``, ``export``, ``generator``,
``rss_web``, ``rss_worker``). :mod:`bench.report` prints the note of every kind of
✗ line in the Notes section of docs/benchmarks.md, followed by the measured detail
(statement count, floor share, slowest statement) of each ✗ line.
"""
from __future__ import annotations

NOTES: dict[str, str] = {}
