"""Which inspection an audit entry concerns (``audit_log.inspection_id``).

Why: until an inspection opens, the log's entries about it — the inspection row,
its targets, findings and recommendations, its samples and their items — would
tell an administrator which unit is about to be inspected and what was drawn.
The audit log's row scope (``portal.auth.scopes``) hides them from anyone not
entitled to know; for that each entry is tagged, when it is written, with the
inspection it concerns. The tag is not one of the hashed fields: it decides who
reads an entry, not what the entry says, so the chain is unaffected.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: table → (column holding the link, table that column points to when it is not
#: the inspection itself).
LINKS: dict[str, tuple[str, str | None]] = {
    "inspection": ("id", None),
    "inspection_target": ("inspection_id", None),
    "sample": ("inspection_id", None),
    "finding": ("inspection_id", None),
    "sample_item": ("sample_id", "sample"),
    "recommendation": ("finding_id", "finding"),
}
#: Tables whose rows stay secret until their inspection opens, whatever its mode
#: (a sample tells what will be inspected even when the visit itself is announced).
SAMPLE_TABLES = ("sample", "sample_item")


def tag_entries(conn: sa.Connection, metadata: sa.MetaData, entries: list[dict[str, Any]],
                values: list[dict[str, Any] | None]) -> None:
    """Set ``inspection_id`` on each entry from the row values it was built from
    (``values[i]``: the row's columns as known in the flush, or None). Parents come
    first from the same flush (a finding deleted with its recommendations), then
    from the database, one query per parent table."""
    known: dict[tuple[str, Any], Any] = {}
    wanted: dict[str, set[Any]] = {}
    for entry, row in zip(entries, values):
        entry.setdefault("inspection_id", None)
        link = LINKS.get(entry["table_name"])
        if link is None or row is None:
            continue
        column, parent = link
        value = row.get(column)
        if value is None:
            continue
        if parent is None:
            entry["inspection_id"] = value
            if "id" in row:
                known[(entry["table_name"], row["id"])] = value
        else:
            wanted.setdefault(parent, set()).add(value)
    for parent, ids in wanted.items():
        missing = [i for i in ids if (parent, i) not in known]
        if missing:
            table = metadata.tables[parent]
            for start in range(0, len(missing), 500):
                chunk = missing[start:start + 500]
                rows = conn.execute(sa.select(table.c.id, table.c.inspection_id).where(table.c.id.in_(chunk)))
                known.update({(parent, pk): inspection for pk, inspection in rows})
    for entry, row in zip(entries, values):
        link = LINKS.get(entry["table_name"])
        if link is None or row is None or link[1] is None:
            continue
        entry["inspection_id"] = known.get((link[1], row.get(link[0])))
