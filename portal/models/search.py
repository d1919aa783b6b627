"""The indexes behind the list pages' search box, at province scale.

Flask-Admin searches with ``ILIKE '%term%'`` on every searchable column: a leading
wildcard cannot use a B-tree, so each search reads the whole table (a million
tasks: 0.3–2 s). The lists search the large tables in two ways instead
(``portal/admin/search.py``):

* **business keys** (``PREFIX_SEARCH``: task, consultation, staff and unit codes)
  are matched by their beginning, one index range. SQLite compares the range on the
  UNIQUE index (BINARY collation, i.e. code-point order, so the range is exactly the
  prefix); PostgreSQL uses ``LIKE 'P-T05%'`` on a ``varchar_pattern_ops`` index,
  which serves a prefix whatever the database's collation.
* **free text** (``TEXT_SEARCH``: titles, subjects, names) is matched anywhere in the
  text, case-insensitively, as before, but through a trigram index: PostgreSQL's
  ``pg_trgm`` GIN index serves ``ILIKE '%term%'`` itself; SQLite gets an FTS5 table
  with the ``trigram`` tokenizer over the column (external content: the text is not
  stored twice), kept up to date by triggers. Both need at least three characters
  to use the index; shorter words fall back to reading the rows.

The PostgreSQL indexes are part of the models and of ``schema.sql`` (which creates
``pg_trgm`` first; it is a trusted contrib extension, shipped with PostgreSQL's
Debian/Ubuntu packages). The SQLite statements are written here only: SQLite has
no GIN, so neither ``create_all`` nor ``schema.sql`` can say them portably, and
:func:`sqlite_statements` is what both paths run (``portal/database.py``).
The unit path gets the same ``varchar_pattern_ops`` index on PostgreSQL: row scope
and the unit filter test ``path LIKE '/1/5/%'``.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .consultation import Consultation
from .notice import Notice
from .org import Staff, Unit
from .task import Task

#: Table → free-text columns searched anywhere through a trigram index.
TEXT_SEARCH: dict[str, tuple[str, ...]] = {
    "task": ("title",),
    "consultation": ("subject",),
    "staff": ("full_name",),
    "notice": ("subject",),
}
#: Table → business-key columns searched by their beginning.
PREFIX_SEARCH: dict[str, tuple[str, ...]] = {
    "task": ("code",),
    "consultation": ("code",),
    "staff": ("code",),
    "unit": ("code",),
    "notice": ("number",),
}
#: Columns tested with ``LIKE 'prefix%'`` that PostgreSQL needs a pattern index for: the
#: business keys above and the unit path (row scope and the unit filter).
#: The codes have a UNIQUE index already (SQLite's range uses it): PostgreSQL only.
PATTERN_INDEXES: dict[str, tuple[str, ...]] = {
    "task": ("code",), "consultation": ("code",), "staff": ("code",), "unit": ("code", "path"),
}
#: Prefix columns with no index of their own: one index on both engines (plain on SQLite).
BOTH_ENGINES: dict[str, tuple[str, ...]] = {"notice": ("number",)}
#: pg_trgm lives in ``public`` and its operator class is named with the schema, so the
#: index can be built whatever the session's search_path is (tests use one schema each).
TRGM_SCHEMA = "public"
CREATE_TRGM = f"CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA {TRGM_SCHEMA}"

_MODELS: dict[str, Any] = {"task": Task, "consultation": Consultation, "staff": Staff, "notice": Notice, "unit": Unit}


def fts_table(table: str) -> str:
    """Name of the SQLite FTS5 table searching ``table`` (e.g. ``task_search``)."""
    return f"{table}_search"


def fts_shadow_tables(table: str) -> tuple[str, ...]:
    """The FTS5 table and the tables FTS5 keeps beside it (external content: no ``_content``)."""
    name = fts_table(table)
    return (name, f"{name}_config", f"{name}_data", f"{name}_docsize", f"{name}_idx")


def search_tables() -> tuple[str, ...]:
    """Every SQLite table the search adds (left out of the models' table list)."""
    return tuple(t for table in TEXT_SEARCH for t in fts_shadow_tables(table))


def sqlite_statements(table: str) -> list[str]:
    """The FTS5 table over ``table``'s text columns and the three triggers that keep it."""
    name, cols = fts_table(table), TEXT_SEARCH[table]
    columns = ", ".join(cols)
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    delete = f"INSERT INTO {name} ({name}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {name} (rowid, {columns}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({columns}, content='{table}', content_rowid='id', "
        "tokenize='trigram')",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON {table} BEGIN {delete} {insert} END",
    ]


def all_sqlite_statements() -> list[str]:
    return [s for table in TEXT_SEARCH for s in sqlite_statements(table)]


def rebuild_statement(table: str) -> str:
    """Re-read every row of ``table`` into its FTS5 table (after filling it without triggers)."""
    name = fts_table(table)
    return f"INSERT INTO {name} ({name}) VALUES ('rebuild')"


def _declare() -> None:
    for table, columns in TEXT_SEARCH.items():
        model = _MODELS[table]
        for column in columns:
            sa.Index(f"ix_{table}_{column}_trgm", getattr(model, column), postgresql_using="gin",
                     postgresql_ops={column: f"{TRGM_SCHEMA}.gin_trgm_ops"}).ddl_if(dialect="postgresql")
        for statement in sqlite_statements(table):
            sa.event.listen(model.__table__, "after_create", sa.DDL(statement).execute_if(dialect="sqlite"))
        sa.event.listen(model.__table__, "before_drop",
                        sa.DDL(f"DROP TABLE IF EXISTS {fts_table(table)}").execute_if(dialect="sqlite"))
    for table, columns in PATTERN_INDEXES.items():
        model = _MODELS[table]
        for column in columns:
            sa.Index(f"ix_{table}_{column}_prefix", getattr(model, column),
                     postgresql_ops={column: "varchar_pattern_ops"}).ddl_if(dialect="postgresql")
    for table, columns in BOTH_ENGINES.items():
        model = _MODELS[table]
        for column in columns:
            sa.Index(f"ix_{table}_{column}", getattr(model, column), postgresql_ops={column: "varchar_pattern_ops"})
    sa.event.listen(db.metadata, "before_create", sa.DDL(CREATE_TRGM).execute_if(dialect="postgresql"))


_declare()
