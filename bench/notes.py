"""Why a target is missed: written by hand from the measurements, keyed like the
report's lines (``page:<list>``, ``page``, ``dashboard``, ``nplus1``, ``count``,
``sweep_first``, ``sweep_rerun_since``, ``draw_*``, ``export``, ``generator``,
``rss_web``, ``rss_worker``). :mod:`bench.report` prints the note of every kind of
✗ line in the Notes section of docs/benchmarks.md, followed by the measured detail
(statement count, floor share, slowest statement) of each ✗ line, then SUMMARY.

The EXPLAIN figures quoted here were taken on the full-size data sets (1,000,000
tasks) while writing these notes; re-run ``make bench`` for current ones.
"""
from __future__ import annotations

_RENDER = (
    "**Rendering**: where *page÷floor* is large (×10–×100) the page's own SQL takes a few milliseconds and the "
    "rest is Flask-Admin building the page: the list template, one x-editable widget per editable cell and the "
    "row buttons (cProfile of a task page of 25 rows: 85 % of the time in Jinja and WTForms rendering). It grows "
    "with the rows shown, not with the table, so it is the same at 1,000 and at 1,000,000 tasks."
)
_NOISE = (
    "**Shared machine, few requests**: the figures were taken on 2 cores shared with other work (the load "
    "average is printed above each table), and with 10 requests a page the p95 is the slowest of them. Where "
    "the median and the floor are well under the target and only the p95 is over, one request met another "
    "process on the CPU, not a slow plan. (Full garbage collections of the measuring process's own results "
    "had added 100–300 ms spikes to such pages; what earlier pages left is now frozen before each page is "
    "timed, as `portal/gunicorn_hooks.py` freezes the loaded application in a web worker: with the same "
    "pages as admin and leader on SQLite, the lines missed only by their p95 went from 10 to 0.)"
)
_SEARCH = (
    "**Search** (`portal/admin/search.py`, indexes in `portal/models/search.py`): a code is matched by its "
    "beginning as an index range (SQLite: the UNIQUE index; PostgreSQL: `LIKE 'P-T05%'` on a "
    "`varchar_pattern_ops` index, BitmapOr with the title's trigram index: 2–3 ms); words of titles, subjects and "
    "names go through trigram indexes (pg_trgm GIN; SQLite FTS5 `trigram` tables kept by triggers). Page 1 of "
    "any search is an index lookup or a short walk of the list's order; on SQLite a word a code may begin "
    "with is first answered from the indexes alone (at most 2,000 ids), so a filtered list starts from those "
    "rows. What remains is the **deep page of a "
    "common word** (\"kiến nghị\" is in 111,000 task titles): page 500 must skip 12,475 matches in the list's "
    "order. PostgreSQL reads all 111,000 matches from the GIN index and sorts them (external merge on disk at "
    "`work_mem` 4 MB: 0.5–1 s) or walks the due-date index past 112,000 rows; SQLite reads the matches from FTS5 "
    "into a temporary index and walks the due-date index against it (0.1–0.3 s). Nobody pages that deep through "
    "a search; keyset pagination, or capping the pages a search offers, would remove it."
)
_SCOPE = (
    "**Row scope** (`portal/auth/policy.py`): a unit head's or staff member's subtree of up to 300 units is "
    "written as a list of unit ids (read once per request) instead of `IN (SELECT … path LIKE …)`, and the "
    "consultation scope as one set of ids (`id IN (… UNION ALL …)`). PostgreSQL had assumed the sub-query arms "
    "match most rows and walked the whole due-date index to find a head's 12 tasks (7 s under load; EXPLAIN "
    "now: BitmapOr on the two unit indexes, 1.5 ms) and every consultation for a head's 9 (0.5–1.2 s → 0.4 ms). "
    "A wider subtree (the province root's head, 3,000 units) keeps the sub-query, which is right for it: most "
    "rows match and walking the list's order finds a page at once. SQLite, without statistics, had instead "
    "fetched the rows of each of the 3,000 units through the unit index and sorted them all (task list 3.5 s, "
    "answers page 55 s); the wide form is now `+task.lead_unit_id IN (…)` there (the documented way to keep a "
    "column off its index), and the same pages take 45 ms and 0.15 s."
)
_DEEP = (
    "**Deep pages** use `OFFSET`: page 500 reads and throws away 12,475 rows with their joined unit and staff; "
    "20–60 ms of SQL is the floor for that on these engines (100+ ms when the rows must also be filtered by "
    "scope or status). Keyset pagination (\"after this due date and id\") or a page cap would remove it."
)

NOTES: dict[str, str] = {
    "page:task": " ".join((_SEARCH, _SCOPE, _DEEP, _RENDER, _NOISE)),
    "page:task-all": " ".join((_SEARCH, _SCOPE, _DEEP, _RENDER, _NOISE)),
    "page:staff": " ".join((
        _SEARCH, "A search of staff by name while the list is sorted by name is the unlucky case for walking: "
                  "the matches (\"Nguyễn …\") sit together in the middle of the order, so PostgreSQL walks the "
                  "name index past 32,000 other names (SQLite does not walk there: it starts from the matches).",
        _DEEP, _RENDER, _NOISE)),
    "page:consultation": " ".join((_SEARCH, _SCOPE, _DEEP, _RENDER, _NOISE)),
    "page:notice": " ".join((
        "Notices are written by the sweep (about 495,000 after the first run). The list reads the newest first "
        "along `ix_notice_issued_on_id`; a search by words uses the subject's trigram index. For a middle-sized "
        "scope (a staff member of a district office: 35 units, 1 % of the province) PostgreSQL walks that index "
        "backwards expecting a match every 40 rows, but a sweep writes its notices unit after unit, so the "
        "newest 190,000 belong to other units (EXPLAIN: 189,719 rows removed by the filter, 107 ms; with a word "
        "search 0.65 s). Reading the scope's notices by the unit indexes and sorting them (about 6,000 rows) "
        "would take a few ms; PostgreSQL cannot know the correlation, so this would need the list to choose the "
        "plan itself, as the SQLite search does.",
        _SEARCH, _SCOPE, _DEEP, _RENDER, _NOISE)),
    "page:audit": " ".join((
        "After a sweep the newest audit entries are the sweep's bulk entries (`sqlkit.audit_bulk`), whose "
        "`after` lists every id the statement changed (megabytes of JSON). The list now defers `before` and "
        "`after` (`portal/admin/views/audit.py`; the export still reads them with the rows, one query). Search "
        "in the audit log is still `ILIKE '%…%'` on actor, table and row id (no index serves it): a term found "
        "often fills a page at once, a rare one reads the whole log.", _DEEP, _RENDER, _NOISE)),
    "page": " ".join((_RENDER, _NOISE)),
    "dashboard": (
        "The start page (`admin.index`) is each role's dashboard (`portal/services/dashboards*.py`): about 20 "
        "aggregate queries a page, counts capped at 1,000 where an exact figure is not needed, lists read along "
        "the index of their order. The leadership's is the heaviest: its table per unit and its worst units need "
        "the task and consultation figures of every unit of the province for the period (two `GROUP BY` over "
        "index ranges, both on covering indexes — `ix_task_status_due_date_lead_unit_id_completed_late` and "
        "`ix_consultation_recipient_outcome_deadline_unit_late`: about 100 ms of SQL for 3,000 units on SQLite, "
        "then 6,000 rows turned into scorecards and rolled up the unit tree in Python). The waiting proposals (234,000 disciplinary reviews after a first sweep) "
        "are now read oldest first along `(status, proposed_at, id)` and counted up to the cap (0.4 s → 1 ms). "
        "The work pages (`portal/admin/work.py`, `work_consultations.py`) read one index range per outcome or "
        "status, each already in the page's order, and merge them (*Lấy ý kiến do đơn vị chủ trì* 0.5–0.65 s → "
        "30–50 ms; 1 s → 27 ms for a unit head, whose few rows are found through the unit's index; *Trả lời lấy "
        "ý kiến* for the province root 55 s → 0.15 s). " + _RENDER + " " + _NOISE),
    "nplus1": "A list ran more statements at page size 100 than at 25: a column or `__str__` loads a relation per "
              "row; add it to `column_select_related_list` (or `query_options`) of that view.",
    "count": "A list page ran a COUNT: set `simple_list_pager = True` on that view (or override "
             "`get_count_query` with a capped count).",
    "sweep_first": (
        "The first run is a catch-up over a data set that was never swept: it writes about 1,000,000 rows "
        "(35,000 deemed agreements; 495,000 notices — 425,000 overdue reminders, a notice and a report for each "
        "deemed agreement; 234,000 proposals; 280,000 evidence rows), each notice with a ~0.5 KB body, its "
        "indexes and (for search) its subject's trigram index — the cost follows the rows written, as DESIGN.md "
        "asks, but a backlog this size cannot be written in seconds on 2 shared cores. The scheduled run "
        "(`since` = start of the previous run) is the one that must be near-instant, and is. On SQLite the "
        "reassignment evidence (`INSERT … SELECT … FROM reassignment JOIN task_step … WHERE reassignment.id IN "
        "(500 ids)`) was driven from every late step of the year, 10–25 s per batch of 500 proposals; "
        "`portal/services/accountability.py` now also names the batch's people (`task_step.responsible_staff_id "
        "IN (…)`, `staff.id IN (…)`, `finding.staff_id IN (…)`), so SQLite starts from their index ranges "
        "(3.9 s → 0.4 s for the whole evidence at 100,000 tasks). A run measured before that change says so in "
        "its notes."),
    "sweep_rerun_since": "The scheduled re-run with nothing due must be near-instant; see the measured detail.",
    "draw_synthetic": "A draw hashes one SHA-256 ticket per unit of weight and keeps a set of the ids seen (about "
                      "2 s on an idle core). " + _NOISE,
    "draw_db": "The database draw streams the task population (`population.stream`) into the draw; its time is the "
               "query plus the hashing. " + _NOISE,
    "draw_job": "The draw as the portal runs it (`jobs.sampling.draw_sample`: population query, draw, sample items "
                "written, record kept). " + _NOISE,
    "export": "No time target: the download copies the population file stored by the draw, checking its hash.",
    "generator": (
        "The generator builds rows in Python and inserts them in batches of 10,000 in one transaction (COPY on "
        "PostgreSQL). On SQLite the search's FTS5 triggers add the trigram index of every title, subject and "
        "name as the rows go in (about a fifth more time, measured at 100,000 tasks). Its time is mostly CPU: "
        "on the shared machine it stretches with the load (compare the 1/10-size run of the same report)."),
    "rss_web": ("The web process holds one page at a time; the audit list no longer reads the bulk entries' "
                "`before`/`after`."),
    "rss_worker": (
        "The draws stream rows from SQL (`portal/services/sampling_stream.py`, `sample_draw.py`) and write the "
        "population file as they go; a figure from a run that still measured the old in-memory export "
        "(`sampling.population_lines`, every line sorted in memory) says so in its export line."),
}

SUMMARY = """\
Changed for this issue (models and `schema.sql` kept identical — `tests/test_schema_drift.py` passes on both
engines — and each change checked with EXPLAIN on the full-size data):

- **Search** (`portal/admin/search.py`, `search_sqlite.py`, `portal/models/search.py`): codes by their beginning
  (index range; PostgreSQL `varchar_pattern_ops` indexes `ix_{task,consultation,staff,unit}_code_prefix`; notice
  numbers `ix_notice_number`), titles, subjects and names through trigram indexes (PostgreSQL `pg_trgm` GIN
  `ix_task_title_trgm`, `ix_consultation_subject_trgm`, `ix_staff_full_name_trgm`, `ix_notice_subject_trgm`;
  SQLite FTS5 `trigram` tables `task_search`, `consultation_search`, `staff_search`, `notice_search` with their
  triggers, created by both `create_all` and `schema.sql`). On SQLite, which has no statistics, the plan for a
  word is chosen after reading at most 2,000 matches (start from rare matches; walk the list for common words;
  materialise the matches for deep pages), and a word a code may begin with is first looked up in the indexes
  alone (code range ∪ trigram matches, at most 2,000 ids): the list is then restricted to those ids instead of
  walking a filtered list's order through every open task (0.45 s → 50 ms with the unit and status filters).
  Case-insensitive for Vietnamese on both engines (SQLite's own `LIKE` folds ASCII only; a `portal_contains` SQL
  function does it for the row-by-row checks).
  Before: task search 250–2,000 ms, consultation search 300 ms; now page 1 of any search is a few ms of SQL.
- **Row scope** (`portal/auth/policy.py`, `portal/auth/scopes.py`): small subtrees as lists of unit ids (cached per
  request, dropped after a flush that changes units), the consultation scope as one set of ids. PostgreSQL head's
  tasks 7 s → 1.5 ms, consultations 0.5–1.2 s → 0.4 ms (EXPLAIN).
- **Wide scopes on SQLite** (`portal/auth/policy.py`, `portal/services/sqlkit.py` `unindexed`): a subtree of more
  than 300 units is `+column IN (SELECT …)` there, so SQLite walks the list's order instead of fetching and
  sorting every row of the province (province root's head: task list 3.5 s → 45 ms, answers page 55 s → 0.15 s).
- **Work pages** (`portal/admin/work_consultations.py`): one index range per outcome or status, merged in Python,
  instead of an `IN` list or `ORDER BY CASE …` that sorted every row in scope.
- **Leadership queue** (`portal/models/proposals.py`, `portal/services/dashboards_proposals.py`, the start page's
  banner): `ix_{commendation,reassignment,disciplinary_review}_status_proposed_at` replace the indexes on `status`
  alone; the waiting proposals are read along them and counted up to the dashboards' cap ("1.000+").
- **Consultation answers per unit** (`portal/models/consultation.py`): `ix_consultation_recipient_outcome_deadline`
  becomes covering, `(outcome, deadline, unit_id, answered_late)`, like the tasks' dashboard index (the per-unit
  figures of the leadership page read no table row: 50 → 35 ms on SQLite).
- **Catch-up sweep on PostgreSQL** (`portal/services/notices.py`, `sqlkit.analyze_if_large`): the register's
  highest numbers are a materialised CTE (a batch reads only its own issuers' registers), and the sweep runs
  ANALYZE inside its transaction after a write of 10,000+ rows. PostgreSQL's statistics do not count the
  transaction's own rows, so it had planned every notice statement for an empty table and re-read the year's
  registers once per row (EXPLAIN at a tenth of the province: 11 s → 48 ms per batch of 500).
- **Unit filter** (`portal/admin/filters.py` `UnitSubtreeFilter`): the unit's path is read first, then a list of
  ids or a constant prefix; the join on `LIKE (unit.path || '%')` had been mis-estimated 13-fold on PostgreSQL.
  `ix_unit_path_prefix` (`varchar_pattern_ops`) serves `path LIKE '/1/5/%'` whatever the collation.
- **Sweep** (`portal/services/accountability.py`): the reassignment evidence names the batch's people, so SQLite
  starts from their index ranges (10× less time for that part).
- **Audit list** (`portal/admin/views/audit.py`): `before`/`after` deferred in the list, read with the rows in
  the export.

Earlier in this issue: `ix_consultation_deadline`, `ix_consultation_recipient_unit_id_outcome_deadline`,
`ix_notice_issued_on_id`, `ix_notice_issuing_unit_id_issued_on` (see the git history).

What remains:

1. The first sweep over a never-swept province writes about a million rows (below); it takes one and a half to
   two and a half minutes, not the seconds of DESIGN.md. The scheduled re-run, which is what runs every few minutes, is well under a second.
2. Deep pages (`OFFSET`) of lists and of common-word searches: keyset pagination or a page cap.
3. `portal/services/sqlkit.py` `audit_bulk` writes one entry holding every id a statement changed (hundreds of
   thousands for the first sweep): entries of a few hundred ids each, or a count and an id range, would keep the
   log readable.
4. Flask-Admin's list rendering dominates page time once the SQL is indexed (×10–×100 the SQL); fewer inline
   x-editable cells in the largest lists would cut it most.
5. PostgreSQL `work_mem` (4 MB default) makes sorts of tens of thousands of wide rows spill to disk; 16–32 MB for
   the portal's role would keep the deep-page sorts in memory.
6. `ix_task_status_due_date` is a prefix of the dashboards' covering index
   `ix_task_status_due_date_lead_unit_id_completed_late` and could go (one index less to write per task).
"""
