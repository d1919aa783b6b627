"""The lists' search box, served by indexes on the large tables.

Flask-Admin's own search is ``ILIKE '%word%'`` on every searchable column, which
reads the whole table (see :mod:`portal.models.search`). The rules kept from it:
the words of the search are all required (AND), each may match any searchable
column (OR); ``^word`` asks for a beginning and ``=word`` for the whole value.
What changes, per column:

* a business key (``PREFIX_SEARCH``) matches when it *begins* with the word, typed
  or in capitals (``p-t05`` finds ``P-T0500123``): one index range;
* free text (``TEXT_SEARCH``) matches the word anywhere, ignoring case, through the
  trigram index (pg_trgm on PostgreSQL, the FTS5 table on SQLite) when the word has
  at least three characters; a shorter word is compared row by row, which is cheap
  once another word or a filter has narrowed the rows;
* any other column keeps ``ILIKE '%word%'`` (small tables).

``%`` and ``_`` typed in the box are matched literally. How SQLite runs a text
search is chosen in :mod:`portal.admin.search_sqlite` (it has no statistics).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..models.search import PREFIX_SEARCH, TEXT_SEARCH
from . import search_sqlite

_ESCAPE = "\\"


def parse_term(term: str) -> tuple[str, str]:
    """``(mode, text)``: mode is ``contains``, ``prefix`` (``^word``) or ``exact`` (``=word``)."""
    if term.startswith("^"):
        return "prefix", term[1:]
    if term.startswith("="):
        return "exact", term[1:]
    return "contains", term


def escape_like(text: str) -> str:
    return text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")


def prefix_clause(column: Any, text: str, dialect: str) -> sa.ColumnElement[bool]:
    """``column`` begins with ``text`` (as typed, or in capitals), as an index range
    (PostgreSQL: ``LIKE 'text%'`` on the ``varchar_pattern_ops`` index)."""
    variants = dict.fromkeys((text, text.upper()))
    if dialect == "sqlite":
        return sa.or_(*(search_sqlite.prefix_range(column, v) for v in variants))
    return sa.or_(*(column.like(escape_like(v) + "%", escape=_ESCAPE) for v in variants))


def exact_clause(column: Any, text: str) -> sa.ColumnElement[bool]:
    return sa.or_(*(column == variant for variant in dict.fromkeys((text, text.upper()))))


def contains_clause(model: Any, column: Any, text: str, dialect: str) -> sa.ColumnElement[bool]:
    """``column`` contains ``text`` anywhere, ignoring case (the trigram index serves
    it; on PostgreSQL the planner weighs it against walking the list's order)."""
    if dialect == "sqlite":
        return search_sqlite.contains_any(model, column, [text])
    return column.ilike("%" + escape_like(text) + "%", escape=_ESCAPE)


def default_clause(column: Any, mode: str, text: str) -> sa.ColumnElement[bool]:
    """Flask-Admin's rule for columns without a search index."""
    pattern = {"prefix": escape_like(text) + "%", "exact": escape_like(text)}.get(mode, "%" + escape_like(text) + "%")
    return sa.cast(column, sa.Unicode).ilike(pattern, escape=_ESCAPE)


def kind_of(model: Any, column: Any) -> str:
    """``prefix``, ``text`` or ``plain``: how a searchable column is searched."""
    table = getattr(column, "table", None)
    if table is None or table is not getattr(model, "__table__", None):
        return "plain"  # a column reached through a join (aliased): Flask-Admin's rule
    if column.key in PREFIX_SEARCH.get(table.name, ()):
        return "prefix"
    if column.key in TEXT_SEARCH.get(table.name, ()):
        return "text"
    return "plain"


def column_clause(model: Any, column: Any, mode: str, text: str, dialect: str) -> sa.ColumnElement[bool]:
    """What one word asks of one searchable column."""
    kind = kind_of(model, column)
    if kind == "prefix":
        return exact_clause(column, text) if mode == "exact" else prefix_clause(column, text, dialect)
    if kind == "text" and mode == "contains":
        return contains_clause(model, column, text, dialect)
    return default_clause(column, mode, text)


def apply_search(view: Any, query: Any, count_query: Any, joins: dict[Any, Any], count_joins: dict[Any, Any],
                 search: str, dialect: str) -> tuple[Any, Any, dict[Any, Any], dict[Any, Any]]:
    """Flask-Admin's ``ModelView._apply_search``, with the clauses above."""
    terms = [parse_term(term) for term in search.split(" ")]
    terms = [(mode, text) for mode, text in terms if text]
    if dialect == "sqlite":
        # Words only the text column can match are searched together (one FTS5 query).
        together, terms = search_sqlite.text_only_words(view, terms)
        if together is not None:
            query = query.filter(together)
            count_query = count_query.filter(together) if count_query is not None else None
    for mode, text in terms:
        few = search_sqlite.few_matches(view, mode, text) if dialect == "sqlite" else None
        if few is not None:
            query = query.filter(view.model.id.in_(few))
            count_query = count_query.filter(view.model.id.in_(few)) if count_query is not None else None
            continue
        clauses, count_clauses = [], []
        for field, path in view._search_fields:
            query, joins, alias = view._apply_path_joins(query, joins, path, inner_join=False)
            column = field if alias is None else getattr(alias, field.key)
            clause = column_clause(view.model, column, mode, text, dialect)
            clauses.append(clause)
            if count_query is not None:
                count_query, count_joins, count_alias = view._apply_path_joins(
                    count_query, count_joins, path, inner_join=False)
                if count_alias is not alias:
                    column = field if count_alias is None else getattr(count_alias, field.key)
                    clause = column_clause(view.model, column, mode, text, dialect)
                count_clauses.append(clause)
        query = query.filter(sa.or_(*clauses))
        if count_query is not None:
            count_query = count_query.filter(sa.or_(*count_clauses))
    return query, count_query, joins, count_joins
