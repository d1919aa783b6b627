"""Notice numbers (số hiệu) are unique in the issuing unit's register of the year
(Decree 30/2020): the database refuses a duplicate, and numbering is safe when a
sweep and a notice issued on its own number at the same time — on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.database import install_engine_events
from portal.extensions import db
from portal.models import Notice, Unit
from portal.services import DomainError
from portal.services.notices import (
    L, NoticeSpec, check_register_kept, concat, insert_notices, next_number, number_new_notice,
)
from portal.services.sqlkit import text_of

from ..conftest import pg_url
from .conftest import code, make_unit

DAY = date(2025, 6, 20)
NOW = datetime(2025, 6, 20, 2, 0, tzinfo=timezone.utc)


def notice(unit: Unit, number: str, *, issued_on: date = DAY, key: str | None = None) -> Notice:
    return Notice(kind="due_reminder", dedupe_key=key or code("key"), number=number, symbol=f"TB-{unit.code}",
                  issuing_unit_id=unit.id, subject="V/v thử", body="Nội dung thử", issued_on=issued_on,
                  created_at=NOW)


def refused(session: Session, row: Notice, constraint: str) -> None:
    savepoint = session.begin_nested()
    session.add(row)
    with pytest.raises(IntegrityError, match=constraint):
        session.flush()
    savepoint.rollback()


def test_the_year_of_issue_follows_the_issue_date(world):
    s = world.session
    row = notice(world.a, "1", issued_on=date(2024, 12, 31))
    s.add(row)
    s.flush()
    assert row.issued_year == 2024
    # A Core insert that names the date gets the year from it too.
    s.execute(sa.insert(Notice.__table__).values(
        kind="due_reminder", dedupe_key=code("core"), number="1", symbol="TB", issuing_unit_id=world.a.id,
        subject="V/v", body="x", issued_on=date(2025, 1, 2), created_at=NOW))
    assert s.scalar(sa.select(Notice.issued_year).where(Notice.issuing_unit_id == world.a.id,
                                                        Notice.issued_on == date(2025, 1, 2))) == 2025


def test_a_number_is_used_once_per_issuing_unit_and_year(world):
    s = world.session
    s.add(notice(world.a, "7"))
    s.flush()
    refused(s, notice(world.a, "7"), "issued_year")
    # Another year, another unit: a register of its own.
    s.add_all([notice(world.a, "7", issued_on=date(2026, 1, 5)), notice(world.b, "7")])
    s.flush()
    for bad in ("07", "7a", "", "-1", "1234567890"):
        refused(s, notice(world.a, bad), "number_digits")


def test_the_next_number_follows_the_highest_even_after_a_deletion(world):
    s = world.session
    rows = [notice(world.a, str(n)) for n in (1, 2, 3)]
    s.add_all(rows)
    s.flush()
    s.delete(rows[1])
    s.flush()
    assert next_number(s, world.a.id, DAY) == "4"  # a count would give 3, a number already used
    assert next_number(s, world.a.id, date(2026, 3, 1)) == "1"
    assert next_number(s, world.b.id, DAY) == "1"


def _spec() -> NoticeSpec:
    """A set-based issue (as the sweep's): one notice per unit selected, issued by that unit."""
    return NoticeSpec(kind="due_reminder", key=concat("register-test:", text_of(Unit.id)), issuing_unit_id=Unit.id,
                      subject=L("V/v nhắc việc thử"), body=L("Nội dung thử"), order_by=Unit.id,
                      recipient_unit_id=Unit.id)


def test_the_sweep_continues_the_register_after_a_notice_issued_on_its_own(world):
    s = world.session
    s.add(notice(world.a, "41"))
    s.flush()
    ids = insert_notices(s, _spec(), Unit, [Unit.id.in_([world.a.id, world.b.id])], today=DAY, now=NOW)
    numbers = dict(s.execute(sa.select(Notice.issuing_unit_id, Notice.number).where(Notice.id.in_(ids))).all())
    assert numbers == {world.a.id: "42", world.b.id: "1"}
    assert {n.issued_year for n in s.scalars(sa.select(Notice).where(Notice.id.in_(ids)))} == {2025}


def by_hand(unit: Unit | None, *, issued_on: date = DAY, kind: str = "due_reminder", symbol: str = " ") -> Notice:
    """A notice as the record form builds it: whatever number was typed, no dedupe key."""
    return Notice(kind=kind, number="999", symbol=symbol, issuing_unit=unit, subject="V/v thử", body="Nội dung",
                  issued_on=issued_on, created_at=NOW)


def test_a_notice_entered_by_hand_takes_the_next_number_of_its_register(world):
    s = world.session
    s.add_all([notice(world.a, "41"), notice(world.a, "3", issued_on=date(2024, 5, 2))])
    s.flush()
    typed = number_new_notice(s, by_hand(world.a), today=DAY)
    assert (typed.number, typed.issued_year, typed.symbol) == ("42", 2025, f"TB-{world.a.code}")
    s.add(typed)
    s.flush()
    assert typed.dedupe_key == f"register:{world.a.id}:2025:42"
    # The date of issue names the year's register, the issuing unit its owner.
    last_year = number_new_notice(s, by_hand(world.a, issued_on=date(2024, 12, 30), kind="authority_report",
                                             symbol="BC-RIENG"), today=DAY)
    other_unit = number_new_notice(s, by_hand(world.b), today=DAY)
    assert (last_year.number, last_year.symbol, other_unit.number) == ("4", "BC-RIENG", "1")


def test_a_notice_by_hand_needs_an_issuing_unit_open_on_a_past_date(world):
    s = world.session
    world.c.valid_to = date(2025, 1, 31)
    s.flush()
    for row, message in (
        (by_hand(None), "Phải chọn cơ quan ban hành"),
        (by_hand(world.a, issued_on=date(2025, 6, 21)), "không được sau ngày hôm nay"),
        (by_hand(world.c), "ngoài thời gian hoạt động"),
        (by_hand(world.a, issued_on=date(2019, 12, 31)), "ngoài thời gian hoạt động"),
    ):
        with pytest.raises(DomainError, match=message):
            number_new_notice(s, row, today=DAY)
        assert row.number == "999"


def test_an_issued_notice_keeps_its_place_in_the_register(world):
    s = world.session
    row = number_new_notice(s, by_hand(world.a), today=DAY)
    s.add(row)
    s.flush()
    row.subject = "V/v sửa trích yếu"
    row.issued_on = date(2025, 6, 19)  # the same year: the same register
    check_register_kept(row)
    for name, value in (("number", "2"), ("issuing_unit", world.b), ("issued_on", date(2026, 1, 2))):
        setattr(row, name, value)
        with pytest.raises(DomainError, match="Văn bản số 1 đã vào sổ văn bản"):
            check_register_kept(row)
        s.refresh(row)
    assert (row.number, row.issuing_unit_id, row.issued_year) == ("1", world.a.id, 2025)


# ------------------------------------------------------------------ at the same time
ENGINES = ["sqlite"] + (["postgresql"] if pg_url() else [])
SCHEMA = "notice_register_test"


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A database of its own (committed writes from two connections at once)."""
    install_engine_events()
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'register.db'}")
    else:
        url = pg_url() or ""
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
        admin.dispose()
        engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})
    db.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        if request.param == "postgresql":
            admin = sa.create_engine(pg_url() or "")
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            admin.dispose()


def _race(engine: sa.Engine, first: str, *, read_first: bool = False) -> tuple[list[str], float, list[Exception]]:
    """``first`` ("manual" or "sweep") numbers and holds its transaction open for a
    moment; meanwhile a notice is numbered on its own (after reading something in
    its transaction if ``read_first``). Returns the numbers stored, how long the
    second numbering took and what it raised."""
    with Session(engine) as s:
        unit = make_unit(s, "Văn phòng thử")
        s.commit()
        unit_id, symbol = unit.id, f"TB-{unit.code}"
    holding, errors, other_errors, took = threading.Event(), [], [], []

    def one() -> None:
        try:
            with Session(engine) as s:
                if first == "sweep":
                    insert_notices(s, _spec(), Unit, [Unit.id == unit_id], today=DAY, now=NOW)
                else:
                    s.add(notice(s.get(Unit, unit_id), next_number(s, unit_id, DAY)))
                    s.flush()
                holding.set()
                time.sleep(0.4)
                s.commit()
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
            holding.set()

    def other() -> None:
        with Session(engine) as s:
            if read_first:
                s.scalar(sa.select(Unit.code).where(Unit.id == unit_id))
            holding.wait(10)
            started = time.monotonic()
            try:
                number = next_number(s, unit_id, DAY)
                s.add(Notice(kind="due_reminder", dedupe_key=code("key"), number=number, symbol=symbol,
                             issuing_unit_id=unit_id, subject="V/v thử", body="Nội dung thử", issued_on=DAY,
                             created_at=NOW))
                s.commit()
            except Exception as exc:
                other_errors.append(exc)
            took.append(time.monotonic() - started)

    threads = [threading.Thread(target=one), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with Session(engine) as s:
        numbers = sorted(s.scalars(sa.select(Notice.number).where(Notice.issuing_unit_id == unit_id)))
    return numbers, took[0], other_errors


@pytest.mark.parametrize("first", ["manual", "sweep"])
def test_two_numberings_at_once_take_the_next_numbers(engine, first):
    numbers, took, errors = _race(engine, first)
    assert errors == []
    assert numbers == ["1", "2"]
    assert took >= 0.2, "the second numbering waited for the first to commit"


def test_a_numbering_that_read_before_the_other_committed_never_duplicates(engine):
    numbers, _took, errors = _race(engine, "sweep", read_first=True)
    if engine.dialect.name == "postgresql":
        # READ COMMITTED: after the lock, the next statement sees the committed number.
        assert (errors, numbers) == ([], ["1", "2"])
    else:
        # SQLite (WAL): a transaction whose snapshot predates the last commit cannot
        # write; it fails and is rolled back (the job or request is retried), it never
        # writes number 1 again.
        assert numbers == ["1"]
        assert len(errors) == 1 and "database is locked" in str(errors[0])
