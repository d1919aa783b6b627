"""How SQLite runs the lists' text search (PostgreSQL's planner decides by itself).

SQLite keeps no statistics: given ``id IN (the FTS5 matches)`` it always starts
from the matches, fetches and sorts them all — instant for a rare word, a third of
a second for a word in 100,000 titles. So the plan is chosen here, after reading
at most :data:`COMMON` matches:

* fewer than :data:`COMMON` rows match: ``id IN (matches)``, start from them;
* more, and the rows up to the end of the page asked for are expected within
  :data:`WALK_ROWS` rows of the list's order: walk that order and test each row
  (``portal_contains``, registered in :mod:`portal.database`: case-insensitive for
  any script, unlike SQLite's ``LIKE``); page 1 of a common word fills in a few
  hundred rows. Not when the list is sorted by the searched column itself (the
  matches would all sit at one end);
* otherwise ``id + 0 IN (matches)``: the matches are read once into a temporary
  index and the list's order is walked against it (``+ 0`` keeps SQLite from
  starting from them).

A word that a code may begin with is first looked up in the indexes alone (code
ranges, FTS5): when at most :data:`COMMON` rows match, the list is restricted to
those ids, and SQLite starts from them instead of walking a filtered list's order
through every open task to find the dozen that match (0.4 s → a few ms).

Words that only the text column can match (no other searchable column could, e.g.
no code begins with them) are searched together in one FTS5 query (``"a" AND
"b"``), which intersects the index's lists instead of materialising each word.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from ..database import CONTAINS_FUNCTION
from ..extensions import db
from ..models.search import PREFIX_SEARCH, TEXT_SEARCH, fts_table

#: The trigram tokenizer needs three characters to look anything up.
MIN_INDEXED = 3
COMMON = 2000
WALK_ROWS = 20_000


def fts_phrase(text: str) -> str:
    """A quoted FTS5 string: with the trigram tokenizer, exactly "contains ``text``"."""
    return '"' + text.replace('"', '""') + '"'


def contains_any(model: Any, column: Any, words: list[str], needed: int | None = None,
                 walk_ok: bool = True) -> sa.ColumnElement[bool]:
    """``column`` contains every one of ``words``, ignoring case."""
    walked = [getattr(sa.func, CONTAINS_FUNCTION)(column, w.lower()) == 1 for w in words]
    long_words = [w for w in words if len(w) >= MIN_INDEXED]
    if not long_words:
        return sa.and_(*walked)
    name = fts_table(model.__tablename__)
    fts = sa.table(name, sa.column("rowid"))
    ids = sa.select(fts.c.rowid).where(sa.literal_column(name).match(" AND ".join(map(fts_phrase, long_words))))
    short = [w for w in words if len(w) < MIN_INDEXED]
    rest = [getattr(sa.func, CONTAINS_FUNCTION)(column, w.lower()) == 1 for w in short]
    share = match_share(ids)
    if share is None:
        return sa.and_(model.id.in_(ids), *rest)
    if walk_ok and (needed or rows_needed()) / share <= WALK_ROWS:
        return sa.and_(*walked)
    return sa.and_((model.id + 0).in_(ids), *rest)


def match_share(ids: sa.Select[Any]) -> float | None:
    """``None`` if fewer than :data:`COMMON` rows match, else the share of rows that do,
    estimated from the id span of the first :data:`COMMON` matches (FTS5 returns them
    in id order; ids follow insertion, which says nothing of a list's order)."""
    first = ids.limit(COMMON).subquery()
    low, high, found = db.session.execute(
        sa.select(sa.func.min(first.c.rowid), sa.func.max(first.c.rowid), sa.func.count())).one()
    if found < COMMON:
        return None
    return found / max(1, high - low + 1)


def rows_needed(view: Any | None = None) -> int:
    """Rows the request reads, to the end of its page (an export reads up to its cap)."""
    page_size = getattr(view, "page_size", 25)
    if not has_request_context():
        return page_size
    if request.endpoint and request.endpoint.endswith(".export"):
        return getattr(view, "export_max_rows", None) or 1_000_000
    if view is not None:
        page_size = view.get_safe_page_size(request.args.get("page_size", 0, type=int))
    return (max(0, request.args.get("page", 0, type=int)) + 1) * page_size


def sort_column(view: Any) -> str | None:
    """Name of the column the list is sorted by in this request (or by default)."""
    if has_request_context():
        index = request.args.get("sort", type=int)
        columns = [name for name, _label in getattr(view, "_list_columns", [])]
        if index is not None and 0 <= index < len(columns):
            return columns[index]
    default = getattr(view, "column_default_sort", None)
    if isinstance(default, list):
        default = default[0] if default else None
    if isinstance(default, tuple):
        default = default[0]
    return default if isinstance(default, str) else getattr(default, "key", None)


def successor(text: str) -> str | None:
    """The smallest string greater than every string that begins with ``text``
    (code-point order), or ``None`` when there is none to write."""
    for i in range(len(text) - 1, -1, -1):
        code = ord(text[i]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored: jump over them
            code = 0xE000
        if code <= 0x10FFFF:
            return text[:i] + chr(code)
    return None


def prefix_range(column: Any, text: str) -> sa.ColumnElement[bool]:
    """``column`` begins with ``text``: BINARY collation compares code points, so the
    range is exactly the prefix, and the column's index serves it (SQLite's ``LIKE``
    ignores ASCII case and would not use the index)."""
    upper = successor(text)
    return sa.and_(column >= text, column < upper) if upper is not None else column >= text


def _code_may_begin(model: Any, column: Any, text: str) -> bool:
    variants = dict.fromkeys((text, text.upper()))
    probe = sa.select(sa.literal(1)).select_from(model).where(
        sa.or_(*(prefix_range(column, v) for v in variants))).limit(1)
    return db.session.scalar(probe) is not None


def text_only_words(view: Any, terms: list[tuple[str, str]]) -> tuple[sa.ColumnElement[bool] | None,
                                                                       list[tuple[str, str]]]:
    """Split ``terms`` into one clause for the words only the text column can match
    and the terms left for the per-word rule."""
    model = view.model
    table = model.__table__
    texts, prefixes = TEXT_SEARCH.get(table.name, ()), PREFIX_SEARCH.get(table.name, ())
    fields = [(field, path) for field, path in view._search_fields]
    own = [f for f, path in fields if not path and getattr(f, "table", None) is table]
    text_cols = [f for f in own if f.key in texts]
    if len(text_cols) != 1 or len(own) != len(fields) or any(f.key not in texts + prefixes for f in own):
        return None, terms
    prefix_cols = [f for f in own if f.key in prefixes]
    words, left = [], []
    for mode, text in terms:
        if mode == "contains" and not any(_code_may_begin(model, c, text) for c in prefix_cols):
            words.append(text)
        else:
            left.append((mode, text))
    if not words:
        return None, terms
    column = text_cols[0]
    walk_ok = sort_column(view) != column.key
    return contains_any(model, column, words, rows_needed(view), walk_ok), left


def few_matches(view: Any, mode: str, text: str) -> list[int] | None:
    """Ids of the rows ``text`` matches in any searchable column, read from the indexes
    alone, or ``None`` if more than :data:`COMMON` match or a column has no index for
    this kind of word."""
    model = view.model
    table = model.__table__
    prefixes, texts = PREFIX_SEARCH.get(table.name, ()), TEXT_SEARCH.get(table.name, ())
    clauses: list[sa.ColumnElement[bool]] = []
    for field, path in view._search_fields:
        if path or getattr(field, "table", None) is not table:
            return None
        variants = dict.fromkeys((text, text.upper()))
        if field.key in prefixes and mode == "exact":
            clauses += [field == v for v in variants]
        elif field.key in prefixes:
            clauses += [prefix_range(field, v) for v in variants]
        elif field.key in texts and mode == "contains" and len(text) >= MIN_INDEXED:
            name = fts_table(table.name)
            fts = sa.table(name, sa.column("rowid"))
            clauses.append(model.id.in_(sa.select(fts.c.rowid).where(
                sa.literal_column(name).match(fts_phrase(text)))))
        else:
            return None
    found = list(db.session.scalars(sa.select(model.id).where(sa.or_(*clauses)).limit(COMMON + 1)))
    return found if len(found) <= COMMON else None
