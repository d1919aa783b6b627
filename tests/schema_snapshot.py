"""A comparable description of a live database schema, for the drift test."""
from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.models.search import search_tables


def _norm_sql(text: str) -> str:
    text = re.sub(r"\s+", " ", text or "").strip().lower()
    return text.replace('"', "")


def snapshot(engine: sa.Engine, schema: str | None = None) -> dict[str, Any]:
    insp = sa.inspect(engine)
    tables: dict[str, Any] = {}
    # SQLite's FTS5 search tables are not models (tests/test_search.py checks them).
    for name in sorted(set(insp.get_table_names(schema=schema)) - set(search_tables())):
        cols = []
        for c in insp.get_columns(name, schema=schema):
            cols.append(
                (
                    c["name"],
                    c["type"].compile(dialect=engine.dialect).upper(),
                    bool(c["nullable"]),
                    bool(c.get("identity")) or bool(c.get("autoincrement") is True and engine.dialect.name == "postgresql"),
                )
            )
        pk = insp.get_pk_constraint(name, schema=schema)
        fks = sorted(
            (
                fk["name"],
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                (fk.get("options") or {}).get("ondelete"),
            )
            for fk in insp.get_foreign_keys(name, schema=schema)
        )
        uqs = sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(name, schema=schema))
        checks = sorted((c["name"], _norm_sql(c["sqltext"])) for c in insp.get_check_constraints(name, schema=schema))
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in insp.get_indexes(name, schema=schema)
            # PostgreSQL reports the index behind each UNIQUE constraint too.
            if not i.get("duplicates_constraint")
        )
        tables[name] = {
            "columns": cols,
            "primary_key": (pk.get("name"), tuple(pk["constrained_columns"])),
            "foreign_keys": fks,
            "unique": uqs,
            "checks": checks,
            "indexes": indexes,
        }
    return tables


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Human-readable list of what differs between two snapshots."""
    out: list[str] = []
    for table in sorted(set(a) | set(b)):
        if table not in a or table not in b:
            out.append(f"table {table}: only in {'models' if table in a else 'schema.sql'}")
            continue
        for aspect in a[table]:
            left, right = a[table][aspect], b[table][aspect]
            if left != right:
                if isinstance(left, list):
                    only_a = [x for x in left if x not in right]
                    only_b = [x for x in right if x not in left]
                    out.append(f"{table}.{aspect}: models only {only_a}; schema.sql only {only_b}")
                else:
                    out.append(f"{table}.{aspect}: models {left} != schema.sql {right}")
    return out
