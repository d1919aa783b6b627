"""Province-scale synthetic data for benchmarks (DESIGN.md "Performance targets").

``generate(engine, units=3000, staff=60000, tasks=1000000, consultations=200000)``
adds a province to an existing database (with or without the demo) using set-based
Core inserts (``connection.execute(table.insert(), rows)``) in batches of 10,000, in
one transaction, so a run either adds everything or nothing. On PostgreSQL the same
batches go through ``COPY … FROM STDIN`` on the same connection (about twice as fast
as executemany; values are already what the column types would bind: aware UTC
datetimes, dates). Rows are plain dicts from ``random.Random(seed)``; only one batch
is held in memory at a time. The ORM is bypassed, so the audit log records nothing.

Measured on the 2-core build machine at the default sizes: SQLite about 80 s,
PostgreSQL about 145 s (server-bound: foreign-key triggers and index upkeep).

* Ids are assigned explicitly from ``max(id) + 1`` of each table (on PostgreSQL the
  identity sequences are moved past them afterwards), and every business code has
  a ``P-`` prefix (``P-U…`` units, ``P-S…`` staff, ``P-T…`` tasks, ``P-C…``
  consultations), so nothing clashes with the demo. If the province is already
  there (unit ``P-U000001`` exists) the run is skipped and reports ``skipped: 1``.
* Shape: one province root → about 34 departments and 100 communes/wards → offices
  under departments, schools under communes, up to ``units`` units in all.
* Tasks (due 2021–2027, 1.3 steps each on average): 60 % done on time, 10 % done
  late, 20 % open and overdue, 10 % in progress within a deadline in 2027.
  Consultations have 2–3 recipients each; 10 % are past the deadline with answers
  still missing (work for the deadline sweep), 20 % are open until 2027.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timezone
from typing import Any, Iterator

import sqlalchemy as sa

from portal.models import Consultation, ConsultationRecipient, Staff, Task, TaskStep, Unit
from portal.services.workdays import WorkCalendar

from .demo_world import KINH_GIVEN_F, KINH_GIVEN_M, KINH_MIDDLE_F, KINH_MIDDLE_M, KINH_SURNAMES

BATCH = 10_000
USE_COPY = True  # PostgreSQL: COPY is about twice as fast as executemany here
SQLITE_CACHE_KIB = -512_000  # negative: size in KiB (500 MiB) while generating
ROOT_CODE = "P-U000001"
#: The generator's fixed "now": statuses are relative to it (open work is due in 2027).
PIVOT = date(2026, 11, 27)
UTC = timezone.utc
_O = date.toordinal

DEPARTMENTS = [
    "Sở Nội vụ", "Sở Tài chính", "Sở Xây dựng", "Sở Công Thương", "Sở Nông nghiệp và Môi trường",
    "Sở Giáo dục và Đào tạo", "Sở Y tế", "Sở Tư pháp", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ", "Sở Dân tộc và Tôn giáo", "Thanh tra tỉnh", "Văn phòng UBND tỉnh",
    "Ban Quản lý các khu công nghiệp", "Ban Quản lý dự án đầu tư xây dựng", "Sở Ngoại vụ",
]
OFFICE_KINDS = ["Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Văn phòng", "Phòng Quản lý",
                "Phòng Pháp chế", "Chi cục", "Phòng Thanh tra"]
SCHOOL_KINDS = ["Trường Mầm non", "Trường Tiểu học", "Trường THCS", "Trường PTDT bán trú"]
PLACE_PARTS = ["Tân", "Phú", "An", "Bình", "Hòa", "Thành", "Long", "Mỹ", "Xuân", "Đông", "Tây", "Hưng",
               "Thịnh", "Phúc", "Lộc", "Hải", "Sơn", "Thủy", "Quảng", "Vĩnh", "Nậm", "Mường", "Pa", "Sì"]
TASK_TITLES = ["Giải quyết hồ sơ thủ tục hành chính", "Thẩm định hồ sơ đề nghị", "Trả lời kiến nghị của cử tri",
               "Xây dựng kế hoạch thực hiện", "Tổng hợp báo cáo định kỳ", "Kiểm tra, xử lý vi phạm",
               "Giải quyết đơn thư phản ánh", "Thẩm định dự toán kinh phí", "Rà soát văn bản quy phạm"]
STEP_TITLES = {1: ["Xử lý, dự thảo văn bản giải quyết"], 2: ["Tiếp nhận, thẩm định hồ sơ", "Dự thảo văn bản, trình ký"]}
SUBJECTS = ["Lấy ý kiến dự thảo kế hoạch", "Lấy ý kiến phương án", "Lấy ý kiến dự thảo quyết định",
            "Lấy ý kiến hồ sơ đề nghị", "Lấy ý kiến dự thảo báo cáo"]
REASONS = ["Liên quan đến chức năng quản lý nhà nước của đơn vị", "Địa bàn thực hiện thuộc đơn vị",
           "Thẩm định nguồn kinh phí", "Thẩm định tính hợp pháp của dự thảo"]
COMMENT = "Đề nghị bổ sung căn cứ pháp lý và làm rõ nguồn kinh phí."
DISAGREE = "Không thống nhất: nội dung đề xuất chưa phù hợp quy hoạch được duyệt."


def _utc(ordinal: int, hour: int) -> datetime:
    d = date.fromordinal(ordinal)
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def _nth(i: int, n: int) -> str:
    """Suffix " 2", " 3" … once the list of names is used up."""
    return f" {i // n + 1}" if i >= n else ""


def _next_ids(conn: sa.Connection, *tables: sa.Table) -> dict[str, int]:
    return {t.name: (conn.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0) + 1 for t in tables}


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """One batch: a Core executemany; on PostgreSQL ``COPY … FROM STDIN`` in the same transaction."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql" and USE_COPY:
        columns = list(rows[0])
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cursor.close()
    else:
        conn.execute(table.insert(), rows)
    return len(rows)


def _unit_plan(units: int, first_id: int, rng: random.Random) -> list[dict[str, Any]]:
    n_dept = min(34, max(1, (units - 1) // 10)) if units > 1 else 0
    n_comm = min(100, max(1, (units - 1) // 4)) if units > 1 + n_dept else 0
    rest = max(0, units - 1 - n_dept - n_comm)
    n_office = rest * 2 // 5 if n_dept else 0
    n_school = rest - n_office if n_comm else 0
    n_office = rest - n_school
    founded = date(2020, 1, 1)
    rows: list[dict[str, Any]] = []

    def add(kind: str, name: str, parent: dict | None) -> dict:
        uid = first_id + len(rows)
        row = {"id": uid, "code": f"P-U{len(rows) + 1:06d}", "name": name[:200], "short_name": None,
               "kind": kind, "parent_id": parent["id"] if parent else None,
               "path": (parent["path"] if parent else "/") + f"{uid}/", "depth": parent["depth"] + 1 if parent else 0,
               "place": None, "valid_from": founded, "valid_to": None, "created_at": datetime.now(UTC)}
        rows.append(row)
        return row

    def place() -> str:
        return f"{rng.choice(PLACE_PARTS)} {rng.choice(PLACE_PARTS)}"

    root = add("province", "UBND tỉnh Sơn Hà (dữ liệu đo hiệu năng)", None)
    depts = [add("department", DEPARTMENTS[i % len(DEPARTMENTS)] + _nth(i, len(DEPARTMENTS)), root)
             for i in range(n_dept)]
    communes = [add("commune", f"UBND {'phường' if i % 5 == 0 else 'xã'} {place()}", root) for i in range(n_comm)]
    for i in range(n_office):
        parent = depts[i % len(depts)]
        kind = OFFICE_KINDS[i // len(depts) % len(OFFICE_KINDS)]
        add("office", f"{kind} {i // len(depts) + 1} - {parent['name']}", parent)
    for i in range(n_school):
        parent = communes[i % len(communes)]
        place_name = parent["name"].split(" ", 2)[-1]
        add("school", f"{SCHOOL_KINDS[i % len(SCHOOL_KINDS)]} {place_name} số {i // len(communes) + 1}", parent)
    return rows


def _staff_batches(n: int, first_id: int, units: list[dict], rng: random.Random,
                   members: list[list[int]]) -> Iterator[list[dict[str, Any]]]:
    """Every unit gets one head first, then the rest spread at random."""
    category = {"province": "can_bo", "commune": "cong_chuc", "school": "vien_chuc"}
    now = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    for i in range(n):
        ui = i if i < len(units) else rng.randrange(len(units))
        unit = units[ui]
        head = i < len(units)
        female = rng.random() < 0.45
        name = (f"{rng.choice(KINH_SURNAMES)} {rng.choice(KINH_MIDDLE_F if female else KINH_MIDDLE_M)} "
                f"{rng.choice(KINH_GIVEN_F if female else KINH_GIVEN_M)}")
        cat = "can_bo" if head and unit["kind"] in ("province", "commune") else category.get(unit["kind"], "cong_chuc")
        position = ("Thủ trưởng đơn vị" if head else "Chuyên viên" if cat == "cong_chuc"
                    else "Giáo viên" if cat == "vien_chuc" else "Ủy viên")
        sid = first_id + i
        members[ui].append(sid)
        batch.append({"id": sid, "code": f"P-S{i + 1:07d}", "full_name": name, "category": cat, "position": position,
                      "is_manager": head, "unit_id": unit["id"], "status": "active", "email": None, "phone": None,
                      "created_at": now})
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _task_batches(n: int, ids: dict[str, int], units: list[dict], members: list[list[int]], rng: random.Random,
                  cal: WorkCalendar) -> Iterator[tuple[list[dict], list[dict]]]:
    rnd, rr = rng.random, rng.randrange
    any_staff = [s for m in members for s in m]
    done_lo, done_hi = _O(date(2021, 1, 15)), _O(date(2026, 9, 30))  # so every due date is before PIVOT
    over_lo, over_hi = _O(date(2023, 1, 1)), _O(PIVOT) - 1
    live_lo, live_hi = _O(date(2026, 12, 1)), _O(date(2027, 12, 31))
    pivot = _O(PIVOT)
    tasks: list[dict] = []
    steps: list[dict] = []
    step_id = ids["task_step"]
    for i in range(n):
        tid = ids["task"] + i
        ui = rr(len(units))
        unit, people = units[ui], members[ui] or any_staff
        r = rnd()
        kind = "on_time" if r < 0.6 else "late" if r < 0.7 else "overdue" if r < 0.9 else "live"
        working = kind != "live" and rnd() < 0.3
        if kind == "live":
            due = rr(live_lo, live_hi)
            received = min(due - 10 - rr(60), pivot)
            legal, wd = due, None
        else:
            lo, hi = (done_lo, done_hi) if kind in ("on_time", "late") else (over_lo, over_hi)
            received = rr(lo, hi) - 10
            if working:
                wd = (5, 7, 10, 15, 20)[rr(5)]
                legal = _O(cal.add_working_days(date.fromordinal(received), wd))
            else:
                wd, legal = None, received + 5 + rr(40)
            due = legal
            if kind == "overdue" and due >= pivot:
                due = legal = pivot - 1 - rr(30)
                received, wd = min(received, legal), None
        completed = None
        if kind == "on_time":
            completed = received + rr(due - received + 1)
        elif kind == "late":
            completed = min(due + 1 + rr(30), pivot)
        two = rnd() < 0.3
        mid = received + (due - received) // 2
        for seq in ((1, 2) if two else (1,)):
            s_due = mid if two and seq == 1 else due
            if completed is not None:
                s_done = completed if seq == 2 or not two else received + (completed - received) // 2
            elif two and seq == 1 and s_due < pivot and rnd() < 0.6:
                s_done = s_due
            else:
                s_done = None
            steps.append({"id": step_id, "task_id": tid, "seq": seq, "title": STEP_TITLES[2 if two else 1][seq - 1],
                          "responsible_staff_id": people[rr(len(people))], "due_date": date.fromordinal(s_due),
                          "status": "done" if s_done else "open",
                          "completed_at": _utc(s_done, 3 + seq) if s_done else None,
                          "completed_late": (s_done > s_due) if s_done else None, "note": None})
            step_id += 1
        started = (two and steps[-2]["status"] == "done") or rnd() < 0.5
        status = "done" if completed else ("in_progress" if started else "open")
        tasks.append({
            "id": tid, "code": f"P-T{i + 1:07d}", "title": f"{TASK_TITLES[i % len(TASK_TITLES)]} số {i + 1}",
            "description": None, "lead_unit_id": unit["id"],
            "authority_unit_id": unit["id"] if unit["parent_id"] is None or rnd() < 0.7 else unit["parent_id"],
            "owner_staff_id": members[ui][0] if members[ui] else None,
            "received_on": date.fromordinal(received), "deadline_kind": "working_days" if wd else "date",
            "deadline_working_days": wd, "legal_due_date": date.fromordinal(legal), "due_date": date.fromordinal(due),
            "status": status, "completed_at": _utc(completed, 8) if completed else None,
            "completed_late": (completed > due) if completed else None,
            "submitted_to_unit_id": None, "submitted_at": None, "improper_escalation": False, "return_reason": None,
            "created_by_id": None, "created_at": _utc(received, 1), "updated_at": _utc(completed or received, 9),
        })
        if len(tasks) >= BATCH:
            yield tasks, steps
            tasks, steps = [], []
    if tasks:
        yield tasks, steps


def _consultation_batches(n: int, ids: dict[str, int], units: list[dict], rng: random.Random,
                          cal: WorkCalendar) -> Iterator[tuple[list[dict], list[dict]]]:
    rnd, rr = rng.random, rng.randrange
    past_lo, past_hi = _O(date(2021, 1, 4)), _O(date(2026, 10, 15))
    stale_lo = _O(date(2025, 7, 1))
    pivot = _O(PIVOT)
    root_id = units[0]["id"]
    cons: list[dict] = []
    recs: list[dict] = []
    rec_id = ids["consultation_recipient"]
    for i in range(n):
        cid = ids["consultation"] + i
        r = rnd()
        kind = "done" if r < 0.7 else "stale" if r < 0.8 else "open"
        if kind == "open":
            sent = pivot - rr(25)
            deadline, wd = _O(date(2027, 1, 4)) + rr(180), None
        else:
            sent = rr(past_lo, past_hi) if kind == "done" else rr(stale_lo, pivot - 20)
            wd = (5, 7, 10)[rr(3)]
            deadline = _O(cal.add_working_days(date.fromordinal(sent), wd))
        ui = rr(1, len(units)) if len(units) > 1 else 0
        others = [j for j in rng.sample(range(len(units)), min(len(units), 4)) if j != ui][: 2 + rr(2)]
        resolved = None
        for j in others:
            rec = {"id": rec_id, "consultation_id": cid, "unit_id": units[j]["id"],
                   "relevance_reason": REASONS[rr(len(REASONS))], "deadline": date.fromordinal(deadline),
                   "outcome": "pending", "answer": None, "answer_text": None, "answered_at": None,
                   "answered_by_id": None, "answered_late": None, "deemed_agreed_at": None, "resolution": None,
                   "resolution_note": None, "resolved_at": None}
            if kind == "done" or (rnd() < 0.3 and pivot > sent):
                a = rnd()
                answer = "agree" if a < 0.7 else "agree_with_comments" if a < 0.92 else "disagree"
                answered = sent + 1 + rr(max(1, min(deadline, pivot) - sent))
                text = {"agree_with_comments": COMMENT, "disagree": DISAGREE}.get(answer)
                rec.update(outcome="answered", answer=answer, answer_text=text, answered_at=_utc(answered, 3),
                           answered_late=False)
                if answer == "disagree" and kind == "done":
                    resolved = deadline + 2
                    rec.update(resolution="meeting", resolution_note="Đã làm việc trực tiếp, thống nhất.",
                               resolved_at=_utc(resolved, 7))
            recs.append(rec)
            rec_id += 1
        cons.append({
            "id": cid, "code": f"P-C{i + 1:07d}", "subject": f"{SUBJECTS[i % len(SUBJECTS)]} số {i + 1}",
            "proposal": None, "task_id": None, "consulting_unit_id": units[ui]["id"],
            "competent_unit_id": units[ui]["parent_id"] or root_id, "sent_on": date.fromordinal(sent),
            "deadline_kind": "working_days" if wd else "date", "deadline_working_days": wd,
            "deadline": date.fromordinal(deadline), "status": "submitted" if kind == "done" else "open",
            "submitted_at": _utc(deadline + 5, 8) if kind == "done" else None, "created_by_id": None,
            "created_at": _utc(sent, 1),
        })
        if len(cons) >= BATCH // 2:
            yield cons, recs
            cons, recs = [], []
    if cons:
        yield cons, recs


def generate(engine: sa.Engine, *, units: int = 3000, staff: int = 60000, tasks: int = 1000000,
             consultations: int = 200000, seed: int = 280) -> dict[str, int]:
    """Add a province of the given size; skip (``skipped: 1``) if it is already there.

    Everything is one transaction: an interrupted run leaves nothing behind, and two
    runs at once cannot both succeed (the same explicit ids and codes collide).
    """
    if min(units, staff, tasks, consultations) < 0 or units < 1:
        raise ValueError("units must be at least 1 and no size may be negative")
    counts = {"units": 0, "staff": 0, "tasks": 0, "task_steps": 0, "consultations": 0, "consultation_recipients": 0}
    with engine.begin() as conn:
        t_unit = Unit.__table__
        if conn.execute(sa.select(t_unit.c.id).where(t_unit.c.code == ROOT_CODE)).first() is not None:
            return {**counts, "skipped": 1}
        if conn.dialect.name != "sqlite":
            _fill(conn, counts, random.Random(seed), units, staff, tasks, consultations)
            return counts
        # A bigger page cache for this connection keeps the growing indexes in memory (default 2 MB).
        cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar())
        conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_CACHE_KIB}")
        try:
            _fill(conn, counts, random.Random(seed), units, staff, tasks, consultations)
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size={cache}")
    return counts


def _fill(conn: sa.Connection, counts: dict[str, int], rng: random.Random, units: int, staff: int, tasks: int,
          consultations: int) -> None:
    cal = WorkCalendar()
    t_unit, t_staff, t_task, t_step = Unit.__table__, Staff.__table__, Task.__table__, TaskStep.__table__
    t_cons, t_rec = Consultation.__table__, ConsultationRecipient.__table__
    ids = _next_ids(conn, t_unit, t_staff, t_task, t_step, t_cons, t_rec)
    unit_rows = _unit_plan(units, ids["unit"], rng)
    for start in range(0, len(unit_rows), BATCH):
        counts["units"] += _insert(conn, t_unit, unit_rows[start:start + BATCH])
    members: list[list[int]] = [[] for _ in unit_rows]
    for batch in _staff_batches(staff, ids["staff"], unit_rows, rng, members):
        counts["staff"] += _insert(conn, t_staff, batch)
    for task_rows, step_rows in _task_batches(tasks, ids, unit_rows, members, rng, cal):
        counts["tasks"] += _insert(conn, t_task, task_rows)
        counts["task_steps"] += _insert(conn, t_step, step_rows)
    for cons_rows, rec_rows in _consultation_batches(consultations, ids, unit_rows, rng, cal):
        counts["consultations"] += _insert(conn, t_cons, cons_rows)
        counts["consultation_recipients"] += _insert(conn, t_rec, rec_rows)
    if conn.dialect.name == "postgresql":
        # Explicit ids do not move identity sequences: move them past the new rows.
        for table in (t_unit, t_staff, t_task, t_step, t_cons, t_rec):
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table.name}))"))
