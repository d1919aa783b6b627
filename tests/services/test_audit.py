"""The audit log: automatic entries for every ORM write, the hash chain, and its verification.

Each test runs inside the conftest's rolled-back transaction, so it may tamper with
the log freely; rows it needs are created here (not taken from the demo seed).
"""
from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timezone

import sqlalchemy as sa
from flask_login import login_user

from portal.models import Account, AuditLog, Commendation, CommendationTitle, Evidence, JobTick, Role, Unit
from portal.services.audit import (
    GENESIS_HASH,
    audit_actor,
    canonical_json,
    current_actor,
    entry_hash,
    record_event,
    verify_chain,
)

_seq = itertools.count(1)


def code(prefix: str) -> str:
    return f"{prefix}-AUD-{next(_seq):04d}"


def make_unit(session, **kw) -> Unit:
    row = Unit(code=code("U"), name=kw.pop("name", "Phòng thử nghiệm"), kind="office", path="/", depth=0,
               valid_from=date(2020, 1, 1), **kw)
    session.add(row)
    session.flush()
    return row


def role(session, code_: str) -> Role:
    found = session.scalar(sa.select(Role).where(Role.code == code_))
    if found is None:
        found = Role(code=code_, name=code_)
        session.add(found)
        session.flush()
    return found


def make_account(session, unit: Unit, role_code: str = "staff", password_hash: str = "argon2-SECRET-1") -> Account:
    row = Account(username=code("user").lower(), password_hash=password_hash, role=role(session, role_code),
                  unit=unit, display_name="Người thử")
    session.add(row)
    session.flush()
    return row


def last_id(session) -> int:
    return session.scalar(sa.select(sa.func.max(AuditLog.id))) or 0


def entries_since(session, start: int, table: str | None = None) -> list[AuditLog]:
    stmt = sa.select(AuditLog).where(AuditLog.id > start).order_by(AuditLog.id)
    if table:
        stmt = stmt.where(AuditLog.table_name == table)
    return list(session.scalars(stmt))


def test_create_update_delete_each_write_one_entry(session):
    start = last_id(session)
    with audit_actor("tester", "cli"):
        unit = make_unit(session, name="Phòng A")
        created = entries_since(session, start, "unit")
        assert [(e.action, e.row_id, e.actor, e.source) for e in created] == [("create", str(unit.id), "tester", "cli")]
        after = created[0].after
        assert created[0].before is None
        assert after["name"] == "Phòng A" and after["code"] == unit.code
        assert after["valid_from"] == "2020-01-01" and after["valid_to"] is None
        assert after["path"] == f"/{unit.id}/"  # as finally stored, after the tree listener
        assert datetime.fromisoformat(after["created_at"]).tzinfo is not None
        assert created[0].at.tzinfo is not None

        mark = last_id(session)
        unit.name = "Phòng B"
        session.flush()
        (updated,) = entries_since(session, mark)
        assert (updated.action, updated.row_id) == ("update", str(unit.id))
        assert updated.before == {"name": "Phòng A"} and updated.after == {"name": "Phòng B"}

        mark = last_id(session)
        session.delete(unit)
        session.flush()
        (deleted,) = entries_since(session, mark)
        assert (deleted.action, deleted.row_id, deleted.after) == ("delete", str(unit.id), None)
        assert deleted.before["name"] == "Phòng B" and deleted.before["code"] == unit.code
    assert verify_chain(session).ok


def test_update_of_an_expired_object_reads_the_old_value_from_the_database(session):
    unit = make_unit(session, name="Tên cũ")
    session.commit()  # releases the test's savepoint; attributes are expired
    mark = last_id(session)
    unit.short_name = "Mới"  # set without loading: the old value is only in the database
    unit.name = "Tên mới"
    session.flush()
    (entry,) = entries_since(session, mark)
    assert entry.before == {"name": "Tên cũ", "short_name": None}
    assert entry.after == {"name": "Tên mới", "short_name": "Mới"}
    assert entry.source == "system" and entry.actor is None  # no actor set outside a request/job


def test_no_entry_for_a_net_no_op_or_for_unaudited_tables(session):
    unit = make_unit(session)
    mark = last_id(session)
    unit.name = unit.name  # set to the same value
    session.add(JobTick(job="sweep", tick=datetime(2025, 1, 1, tzinfo=timezone.utc),
                        started_at=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    session.flush()
    assert [(e.action, e.table_name, e.before, e.after) for e in entries_since(session, mark)] == []


def test_password_hash_never_reaches_the_log(session):
    unit = make_unit(session)
    mark = last_id(session)
    account = make_account(session, unit, password_hash="argon2-TOPSECRET-old")
    account.password_hash = "argon2-TOPSECRET-new"
    session.flush()
    session.delete(account)
    session.flush()
    record_event(session, "login", "account", account.id, None, {"password_hash": "argon2-TOPSECRET-x"})
    logged = entries_since(session, mark, "account")
    assert [e.action for e in logged] == ["create", "update", "delete", "login"]
    assert logged[0].after["password_hash"] == "***"
    assert logged[1].before == {"password_hash": "***"} and logged[1].after == {"password_hash": "***"}
    raw = session.execute(sa.text("SELECT before, after FROM audit_log WHERE id > :m"), {"m": mark}).all()
    assert "TOPSECRET" not in json.dumps([list(map(str, r)) for r in raw])


def test_orphans_deleted_by_cascade_are_logged(session):
    title = CommendationTitle(code=code("T"), name="Giấy khen", target="both", awarding_authority="UBND huyện",
                              legal_basis="Luật Thi đua, khen thưởng 2022", valid_from=date(2024, 1, 1))
    unit = make_unit(session)
    proposal = Commendation(target_kind="unit", unit=unit, title=title, reason="Hoàn thành xuất sắc")
    proposal.evidence.append(Evidence(note="Mười nhiệm vụ đúng hạn"))
    session.add(proposal)
    session.flush()
    evidence_id = proposal.evidence[0].id
    mark = last_id(session)
    proposal.evidence.clear()
    session.flush()
    (entry,) = entries_since(session, mark)
    assert (entry.action, entry.table_name, entry.row_id) == ("delete", "evidence", str(evidence_id))
    assert entry.before["note"] == "Mười nhiệm vụ đúng hạn"


def test_record_event_and_rollback_of_a_savepoint(session):
    unit = make_unit(session)
    with audit_actor("leader", "web"):
        entry_id = record_event(session, "approve", "unit", unit.id, {"status": "proposed"},
                                {"status": "approved", "at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)})
    entry = session.get(AuditLog, entry_id)
    assert (entry.action, entry.actor, entry.source, entry.row_id) == ("approve", "leader", "web", str(unit.id))
    assert entry.after == {"status": "approved", "at": "2025-01-02T03:04:05+00:00"}
    tip = entry.hash
    nested = session.begin_nested()
    make_unit(session)
    nested.rollback()
    assert session.scalar(sa.select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)) == tip
    assert verify_chain(session).ok


def test_chain_links_and_canonical_hash(session):
    make_unit(session)
    rows = list(session.scalars(sa.select(AuditLog).order_by(AuditLog.id)))
    assert rows[0].prev_hash == GENESIS_HASH
    for previous, current in zip(rows, rows[1:]):
        assert current.prev_hash == previous.hash
    last = rows[-1]
    fields = dict(prev_hash=last.prev_hash, at=last.at, actor=last.actor, source=last.source, action=last.action,
                  table_name=last.table_name, row_id=last.row_id, before=last.before, after=last.after)
    assert entry_hash(**fields) == last.hash
    text = canonical_json(**fields).decode()
    assert text.startswith('{"action":"create","actor":null,"after":{') and ' ' not in text.split('"after"')[0]
    result = verify_chain(session, batch_size=2)
    assert (result.ok, result.checked, result.first_broken_id, result.last_hash) == (True, len(rows), None, last.hash)
    assert result.message == f"Nhật ký kiểm toán toàn vẹn: {len(rows)} bản ghi."


def test_an_edited_entry_is_the_first_broken_one(session):
    units = [make_unit(session) for _ in range(3)]
    target = session.scalar(sa.select(AuditLog.id).where(AuditLog.table_name == "unit",
                                                         AuditLog.row_id == str(units[1].id)))
    session.execute(sa.text('UPDATE audit_log SET "after" = \'{"name": "giả mạo"}\' WHERE id = :id'), {"id": target})
    session.expire_all()
    result = verify_chain(session)
    assert not result.ok and result.first_broken_id == target
    assert f"#{target}" in result.message and "bị sửa" in result.message


def test_an_edited_actor_is_detected_too(session):
    make_unit(session)
    target = last_id(session)
    session.execute(sa.text("UPDATE audit_log SET actor = 'someone_else' WHERE id = :id"), {"id": target})
    assert verify_chain(session).first_broken_id == target


def test_a_deleted_middle_entry_is_detected(session):
    for _ in range(3):
        make_unit(session)
    ids = list(session.scalars(sa.select(AuditLog.id).order_by(AuditLog.id.desc()).limit(3)))[::-1]
    session.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
    result = verify_chain(session)
    assert not result.ok and result.first_broken_id == ids[2]
    assert "prev_hash" in result.message and f"#{ids[0]}" in result.message


def test_a_deleted_first_entry_is_detected(session):
    make_unit(session)
    make_unit(session)
    first, second = session.scalars(sa.select(AuditLog.id).order_by(AuditLog.id).limit(2))
    session.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": first})
    assert verify_chain(session).first_broken_id == second


def test_cli_verify_exit_codes(app, session):
    make_unit(session)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    count = session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    assert ok.exit_code == 0, ok.output
    assert f"Nhật ký kiểm toán toàn vẹn: {count} bản ghi." in ok.output
    target = last_id(session)
    session.execute(sa.text("UPDATE audit_log SET row_id = '999999' WHERE id = :id"), {"id": target})
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"#{target}" in broken.output


def test_web_requests_are_attributed_to_the_logged_in_user(app, session):
    account = make_account(session, make_unit(session))
    with app.test_request_context("/"):
        app.preprocess_request()
        assert (current_actor().username, current_actor().source) == (None, "web")  # anonymous
        app.do_teardown_request()
    assert (current_actor().username, current_actor().source) == (None, "system")
    with app.test_request_context("/"):
        login_user(account)
        app.preprocess_request()
        assert (current_actor().username, current_actor().source) == (account.username, "web")
        mark = last_id(session)
        account.display_name = "Đã đổi"
        session.flush()
        assert [(e.actor, e.source) for e in entries_since(session, mark)] == [(account.username, "web")]
        app.do_teardown_request()
    assert (current_actor().username, current_actor().source) == (None, "system")
