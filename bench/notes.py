"""Why a target is missed: written by hand from the measurements, keyed like the
report's lines (``page:<list>``, ``page``, ``dashboard``, ``nplus1``, ``count``,
``sweep_first``, ``sweep_rerun_since``, ``draw_db``, ``export``, ``generator``,
``rss_web``, ``rss_worker``). :mod:`bench.report` prints the note of every kind of
✗ line in the Notes section of docs/benchmarks.md, followed by the measured detail
(statement count, floor share, slowest statement) of each ✗ line, then SUMMARY.

The EXPLAIN figures quoted here were taken on the full-size data sets (1,000,000
tasks) while writing these notes; re-run ``make bench`` for current ones.
"""
from __future__ import annotations

_SEARCH = (
    "**Search** is Flask-Admin's `ILIKE '%term%'` on every searchable column (task: code, title; staff: code, "
    "full_name; consultation: code, subject; audit: actor, table_name, row_id). A leading wildcard cannot use a "
    "B-tree, so a search reads rows until a page is filled (PostgreSQL: backwards along `ix_task_due_date`, 201,490 "
    "rows removed by the filter before 25 matched, 0.38 s) and reads the whole table when fewer rows match "
    "(deep pages: 0.6–1.8 s); SQLite likewise. On PostgreSQL the seq-scan cost also switches JIT on: JIT took "
    "190–200 ms of a 280–430 ms consultation search. No index in the models can fix that portably; see the recommendation for "
    "`portal/admin/base.py` below (prefix search on codes as an index range, word search on titles only on demand)."
)
_SCOPE = (
    "**Row scope of unit heads and staff**: `portal.auth.policy.scope_units_clause` renders "
    "`lead_unit_id IN (SELECT unit.id … path LIKE :p || '%') OR submitted_to_unit_id IN (…)`. PostgreSQL cannot "
    "estimate a hashed sub-plan inside an OR (it assumes half the rows match each arm), so for the default list "
    "(`ORDER BY due_date DESC LIMIT 25`) it walks `ix_task_due_date` backwards through the whole table to find "
    "the 12 tasks of the head's unit (EXPLAIN: 1,000,046 rows removed by the filter, 1.1 s). SQLite has no "
    "statistics and always prefers an index that yields the ORDER BY: with the status filter it walks "
    "`ix_task_status_due_date` through every open task (150,000) testing the scope on each (0.2–0.7 s), and for "
    "the widest scope (p-head, 3,000 units) it takes the MULTI-INDEX OR, fetches all 1,000,000 tasks and sorts "
    "them (3–6 s). Measured fix (EXPLAIN on both engines): pass the subtree as a literal id list "
    "(`column.in_(ids)`, ids read once per request like `unit_path`): PostgreSQL then uses a BitmapOr and sorts 12 "
    "rows (0.2 ms) for a narrow scope and the backward due-date scan for a wide one (1.3 ms)."
)
_FILTER = (
    "**Deep page with the unit filter** (PostgreSQL): `UnitSubtreeFilter` joins `unit.path LIKE (unit_2.path || "
    "'%')` with `upper(unit_2.code) = :code`, which the planner estimates at 228 units and 9,869 tasks instead of "
    "3,000 and 131,922; it then nests loops over the units and sorts all 131,922 rows on disk (external merge, "
    "work_mem 4 MB) to return page 500 (0.45–0.9 s). Page 1 is fast (top-N sort). Resolving the code to its path "
    "in Python first and filtering with a constant prefix (as the scope does) or a literal id list gives the "
    "planner the real size."
)
_DEEP = (
    "**Deep pages** use `OFFSET` (page 500 = 12,475 rows read and thrown away, each with its joined unit and "
    "staff); tens of milliseconds is the floor for that. Keyset pagination or a page cap would remove it."
)
_NOISE = (
    "**Shared machine**: where the median is well under the target, the floor is small and only the p95 is over, "
    "the miss is another process taking the CPU (the load average is printed above each table)."
)

NOTES: dict[str, str] = {
    "page:task": " ".join((_SEARCH, _FILTER, _SCOPE, _NOISE)),
    "page:task-all": " ".join((_SCOPE, _SEARCH, _DEEP, _NOISE)),
    "page:staff": " ".join((
        _SEARCH, "Staff lists for the widest scope (3,000 units) on SQLite read `ix_staff_unit_id_full_name` "
        "unit by unit and sort; a literal id list has the same effect as for tasks.", _DEEP, _NOISE)),
    "page:consultation": " ".join((
        "Before this issue the consultation list sorted all 200,000 rows on every page (no index on `deadline` "
        "alone: SQLite 60–90 ms page 1, 200–500 ms page 500); `ix_consultation_deadline` was added and those "
        "pages now read the index backwards.",
        "For unit heads the scope is an OR of three sub-plans (consulting unit, competent unit, EXISTS a "
        "consulted unit in the subtree): neither engine can drive that OR from indexes, so both walk the deadline "
        "index through all 200,000 rows to find the head's 9 (PostgreSQL 90–130 ms; SQLite 0.55 s — before the "
        "index SQLite sorted everything instead, 0.15 s). With literal unit ids and the third arm written as "
        "`consultation.id IN (SELECT consultation_id FROM consultation_recipient WHERE unit_id IN (…))` SQLite "
        "uses a MULTI-INDEX OR (0.00 s); PostgreSQL needs the whole scope as one id set, `consultation.id IN "
        "(SELECT id … consulting UNION ALL SELECT id … competent UNION ALL SELECT consultation_id … recipients)` "
        "(0.6 ms, measured).", _SEARCH, _NOISE)),
    "page:audit": " ".join((
        "After a sweep the newest audit entries are the sweep's bulk entries (`sqlkit.audit_bulk`), whose `after` "
        "lists every id the statement changed — hundreds of thousands of ids, megabytes of JSON per row. The list "
        "shows six short columns but the ORM loads and parses `before`/`after` for the 25 rows of page 1: 40 ms "
        "of SQL and about +120 MB of peak RSS in the web process; later pages are fast (primary key backwards).",
        _SEARCH, _NOISE)),
    "page": _NOISE,
    "dashboard": (
        "There is no dashboard as such; the start page (3–6 small queries) and the work pages of "
        "`portal/admin/work.py` are what each role lands on. *Văn bản đã phát hành* and *Trả lời lấy ý kiến* "
        "list the newest notices (`ORDER BY issued_on DESC, id DESC LIMIT 200`): with no index for that order "
        "both engines sorted every notice with its body after a sweep (PostgreSQL 250–300 ms, SQLite 1.5 s); "
        "`ix_notice_issued_on_id` makes it an index scan (PostgreSQL 309 ms → 0.3 ms, SQLite 1.4 s → 0.00 s "
        "measured). For unit heads the notice scope is again an OR of sub-plans: SQLite now takes a MULTI-INDEX "
        "OR (`ix_notice_issuing_unit_id_issued_on` added for its first arm: 0.17 s → 0.00 s), PostgreSQL walks "
        "the new index instead (79 → 187 ms) until the scope is given as literal ids (0.16 ms, BitmapOr). "
        "*Lấy ý kiến do đơn vị chủ trì* orders by `CASE WHEN status IN (…) THEN 0 ELSE 1 END, deadline DESC`, "
        "which no index can serve: it sorts all 200,000 consultations (80–250 ms); two queries (open ones, then "
        "the others, each by `deadline DESC`) would each be an index range. " + _NOISE),
    "nplus1": "A list ran more statements at page size 100 than at 25: a column or `__str__` loads a relation per "
              "row; add it to `column_select_related_list` (or `query_options`) of that view.",
    "count": "A list page ran a COUNT: set `simple_list_pager = True` on that view (or override "
             "`get_count_query` with a capped count).",
    "sweep_first": (
        "The first run is a catch-up over a data set that was never swept: it writes about 1,000,000 rows "
        "(35,000 deemed agreements; 495,000 notices — 425,000 overdue reminders, a notice and a report for each "
        "deemed agreement; 234,000 proposals; 280,000 evidence rows), each notice with a ~0.5 KB body and ten "
        "indexes to maintain — on PostgreSQL about 100 µs a row, so the cost follows the rows written, as "
        "DESIGN.md asks, but a backlog this size "
        "cannot be written in seconds. The scheduled run (`since` = start of the previous run) is the one that "
        "must be near-instant and is (0.04–0.15 s). On SQLite most of the first run went to the reassignment "
        "evidence (`INSERT … SELECT … FROM reassignment JOIN task_step … WHERE reassignment.id IN (500 ids)`, "
        "and the same through consultation_recipient): without statistics SQLite drives these joins from "
        "`ix_task_step_status_due_date` / `ix_consultation_recipient_outcome_deadline` (every step or miss of the "
        "year, 12–25 s per batch of 500). Adding the literal staff ids (`task_step.responsible_staff_id IN (…)`) "
        "and unit ids (`consultation_recipient.unit_id IN (…)`, served by the new "
        "`ix_consultation_recipient_unit_id_outcome_deadline`) to those statements makes SQLite start from the "
        "500 people: 4.6 s → 0.03 s and 2.4 s → 0.00 s per batch (measured)."),
    "sweep_rerun_since": "The scheduled re-run with nothing due must be near-instant; see the measured detail.",
    "draw_synthetic": "A draw hashes one SHA-256 ticket per unit of weight and keeps a set of the ids seen; "
                      "on a loaded 2-core machine it can pass 10 s. " + _NOISE,
    "draw_db": "The database draw streams the task population (`population.stream`, yield_per 5,000) into the "
               "draw; its time is the query plus the hashing. " + _NOISE,
    "export": "No time target.",
    "generator": "The generator builds rows in Python and inserts them in batches of 10,000 in one transaction.",
    "rss_web": ("The web process holds one page at a time; its peak comes from the audit list's first page after "
                "a sweep (bulk audit entries of hundreds of thousands of ids, see the audit note)."),
    "rss_worker": (
        "The worker's peak comes from the population export: `sampling.population_lines` sorts every "
        "item in memory (1,000,000 `PopulationItem`s and their encoded ids, about 200 MB on top of the process) "
        "and the draw keeps a set of every id seen. Both can stream: read the population `ORDER BY code` "
        "(byte order: `COLLATE \"C\"` on PostgreSQL, BINARY on SQLite), check order and duplicates against the "
        "previous id only, write each line as it comes."),
}

SUMMARY = """\
Changed in this issue (models and `schema.sql`, kept identical — `tests/test_schema_drift.py` passes on both
engines):

- `ix_consultation_deadline` on `consultation (deadline)`: the consultation list's default order no longer sorts
  200,000 rows (SQLite page 1 floor 60–90 ms → under 1 ms; PostgreSQL plan: Index Scan Backward).
- `ix_consultation_recipient_unit_id_outcome_deadline` on `consultation_recipient (unit_id, outcome, deadline)`
  replaces `ix_consultation_recipient_unit_id` (same leading column, so it still serves the foreign key): a unit's
  misses in a period are one index range (scorecards, reassignment evidence).
- `ix_notice_issued_on_id` on `notice (issued_on, id)`: the notice lists' order (newest first) is an index scan
  instead of a sort of every notice with its body (PostgreSQL 309 ms → 0.3 ms, SQLite 1.4 s → 0.00 s at 495,000
  notices).
- `ix_notice_issuing_unit_id_issued_on` on `notice (issuing_unit_id, issued_on)`: the issuing-unit arm of the notice
  scope becomes indexable (SQLite head's list 0.17 s → 0.00 s) and each unit's yearly numbering is an index range.

Trade-off, stated plainly: with the scope written as it is today (an OR of sub-plans), PostgreSQL walks the two new
ordering indexes for a unit head's consultations and notices (79 → 187 ms for notices) and SQLite does so for
consultations (0.15 → 0.55 s); recommendation 1 removes that for every list at once.

Recommended for the other files (not changed here; each was checked with EXPLAIN on the full-size data):

1. `portal/auth/policy.py` `scope_units_clause` and `portal/auth/scopes.py`: read the subtree's unit ids once per
   request (cached in `g` like `unit_path`) and return `column.in_(ids)` instead of `IN (SELECT … LIKE …)`; the
   planner then knows how many rows the scope holds (PostgreSQL head's task list 1.1 s → 0.2 ms, wide scope
   1.3 ms; notices 0.16 ms). Write the consultation scope as one id set (`Consultation.id.in_(select(id)…consulting
   .union_all(…competent, select(ConsultationRecipient.consultation_id)…))` instead of `recipients.any(…)`:
   PostgreSQL 108 ms → 0.6 ms, SQLite 0.47 s → 0.00 s). SQLite has no statistics: for a scope that covers most
   of the province (a unit head at the root) the id-set form is slow there (1–2 s), so switch on the subtree's
   share of all units (e.g. more than 10 % → keep today's form, which SQLite runs fast for wide scopes).
2. `portal/admin/filters.py` `UnitSubtreeFilter.apply`: resolve the code to the unit's path (or its subtree ids) in
   Python first, then filter with that constant; the join on `LIKE (unit_2.path || '%')` with `upper(code)` is
   mis-estimated 13-fold on PostgreSQL (deep pages 0.45–0.9 s).
3. `portal/admin/base.py` search: override `_apply_search` so that a term that looks like a code is searched as a
   prefix range on the unique code index (`code >= :t AND code < :t_next`, upper-cased: instant on both engines)
   and free-text search of titles/subjects is only done when asked for (or, on PostgreSQL, with a `pg_trgm` GIN
   index kept outside the drift test); cap deep pages (e.g. `page <= 200`) or use keyset pagination.
4. `portal/services/accountability.py` `_reassignment_evidence`: add `TaskStep.responsible_staff_id.in_(staff_ids)`
   and `ConsultationRecipient.unit_id.in_(unit_ids)` (and `Finding.staff_id.in_(staff_ids)`) to the three
   INSERT … SELECT statements, so SQLite starts from the 500 people of the batch (measured 150× faster).
5. `portal/services/sampling.py` / `population.py` / `samples.py`: stream the population in code order from SQL
   and write/hash lines as they come instead of sorting in memory (`population_lines`, `_draw_root` keep all
   lines: the worker's peak RSS, 450–470 MB at 1,000,000 items).
6. Audit: `portal/services/sqlkit.py` `audit_bulk` writes one entry holding every id a statement changed
   (222,000 ids for the first sweep's reviews); split it into entries of at most a few hundred ids, or record the
   count and the id range. And `portal/admin/views/audit.py`: `query_options = (defer(AuditLog.before),
   defer(AuditLog.after))` for the list, with the export undeferring them (else the export loads them row by row).
7. `portal/admin/work_consultations.py` (consultations led): replace `ORDER BY CASE …, deadline DESC` by two
   queries, each served by `ix_consultation_status_deadline`.
8. PostgreSQL configuration (`portal/config.py`: `connect_args={"options": "-c jit=off"}` for PostgreSQL URLs, or
   `ALTER DATABASE … SET jit = off`): JIT compilation switches on for list queries with large cost estimates
   (searches) and took 190–200 ms of a 280–430 ms page query.
"""
