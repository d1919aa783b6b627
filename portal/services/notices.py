"""Written notices (thông báo, báo cáo, nhắc việc) as rows and as DOCX documents.

Directive item 4: "Khi hết thời hạn, cơ quan lấy ý kiến có văn bản thông báo lại
cơ quan được lấy ý kiến, đồng thời báo cáo với cấp có thẩm quyền" — and issue 4,
rule 8: the notices are documents in the layout of Decree 30/2020.

Rows are inserted set-based (``INSERT … SELECT``) so the sweep's cost follows the
facts that became due; each row names its fact in ``dedupe_key`` (UNIQUE), and the
statement both skips existing keys (``WHERE NOT EXISTS``) and ignores a conflict
with a concurrent run (``ON CONFLICT DO NOTHING``): a notice is never issued twice.

Numbering (Decree 30/2020: the place of a document in the issuing body's register
of the year): ``number`` continues the issuing unit's sequence of ``issued_year``
(the highest number used so far + ROW_NUMBER() inside the statement), ``symbol`` is
"TB-<unit code>" (thông báo) or "BC-<unit code>" (báo cáo). UNIQUE (issued_year,
issuing_unit_id, number) makes a duplicate impossible; :func:`lock_register` makes
it not happen: whoever numbers holds the register until its transaction ends.
A notice entered by hand is numbered the same way (:func:`number_new_notice`); once
issued its number, issuing unit and year stay (:func:`check_register_kept`) and it
is never deleted (:func:`refuse_delete`): it is a record of accountability.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm import join as orm_join

from ..models import Consultation, ConsultationRecipient, Notice, Staff, Unit
from ..models.base import UTCDateTime
from ..models.enums import NOTICE_KINDS
from . import DomainError
from .documents import OfficialLetter, letter_filename, render_letter
from .sqlkit import analyze_if_large, audit_bulk, chunked, date_text, dialect_name, insert_ignore, text_of

__all__ = [
    "CD280", "NoticeSpec", "check_register_kept", "insert_notices", "lock_register", "next_number", "notice_docx",
    "notice_letter", "insert_deemed_notices", "number_new_notice", "refuse_delete",
]

CD280 = "Công điện số 280/CĐ-TTg ngày 19/4/2023 của Thủ tướng Chính phủ"
DEFAULT_PLACE = "Phong Thổ"
SYMBOL_PREFIX = {"deemed_agreement": "TB", "authority_report": "BC", "overdue_reminder": "TB",
                 "due_reminder": "TB", "periodic_report": "BC"}
KIND_LABEL = {"deemed_agreement": "Thông báo", "authority_report": "Báo cáo", "overdue_reminder": "Thông báo",
              "due_reminder": "Thông báo", "periodic_report": "Báo cáo"}
COLUMNS = ("kind", "dedupe_key", "number", "symbol", "issuing_unit_id", "recipient_unit_id",
           "recipient_staff_id", "subject", "body", "issued_on", "issued_year", "task_id", "task_step_id",
           "consultation_recipient_id", "created_at")
#: Key of the PostgreSQL advisory lock that guards the notice registers (any constant
#: the portal uses for nothing else; 280 for the telegram, 2023 for its year).
REGISTER_LOCK = 2_802_023


def L(text: str) -> sa.ColumnElement[str]:  # noqa: N802 - a literal inside SQL text
    return sa.literal(text, sa.String)


def concat(*parts: Any) -> sa.ColumnElement[str]:
    """``a || b || …`` with literals for plain strings (portable: both engines use ``||``)."""
    expr: Any = None
    for part in parts:
        item = L(part) if isinstance(part, str) else part
        expr = item if expr is None else expr + item
    return expr


@dataclass
class NoticeSpec:
    """What to insert, as SQL expressions over the ``from_`` clause of the statement."""

    kind: str
    key: sa.ColumnElement[str]
    issuing_unit_id: sa.ColumnElement[int]
    subject: sa.ColumnElement[str]
    body: sa.ColumnElement[str]
    order_by: sa.ColumnElement[Any]
    recipient_unit_id: Any = None
    recipient_staff_id: Any = None
    task_id: Any = None
    task_step_id: Any = None
    consultation_recipient_id: Any = None


def insert_notices(
    session: Session,
    spec: NoticeSpec,
    from_: Any,
    where: list[sa.ColumnElement[bool]],
    *,
    today: date,
    now: datetime,
    chunk: bool = False,
) -> list[int]:
    """``INSERT INTO notice … SELECT … WHERE <where> AND NOT EXISTS (same dedupe_key)``.

    Returns the ids inserted. Numbers continue each issuing unit's register of the
    year of ``today``; the highest number used is read once per statement (a range
    of the register's UNIQUE index), not once per row: a materialised CTE, as
    PostgreSQL, whose statistics do not yet know the notices this transaction wrote,
    would otherwise re-read the year's registers for every row (11 s for 500 rows
    at a tenth of the province). ``chunk``: the statement is one of many small ones
    (ids in batches), so only its own issuing units' registers are read.
    """
    not_issued = ~sa.exists().where(Notice.dedupe_key == spec.key)
    # Cheap probe first (index ranges only): the numbering below reads this year's
    # registers, which is only worth doing when something is to be issued.
    probe = sa.select(sa.literal(1)).select_from(from_).where(*where, not_issued).limit(1)
    if session.execute(probe).first() is None:
        return []
    lock_register(session)
    issuer = aliased(Unit, name="issuer")
    registers = (
        sa.select(Notice.issuing_unit_id.label("unit_id"), _highest_number().label("n"))
        .where(Notice.issued_year == today.year)
        .group_by(Notice.issuing_unit_id)
    )
    if chunk:  # the batch's issuing units, as literal ids (a sub-query here is planned per notice row)
        units = session.scalars(sa.select(spec.issuing_unit_id).select_from(from_).where(*where).distinct()).all()
        registers = registers.where(Notice.issuing_unit_id.in_(units))
    base = registers.cte("issued_this_year").prefix_with("MATERIALIZED", dialect="postgresql")
    seq = sa.func.row_number().over(partition_by=spec.issuing_unit_id, order_by=spec.order_by)
    number = text_of(sa.func.coalesce(base.c.n, 0) + seq)
    null = sa.null()
    select = (
        sa.select(
            L(spec.kind), spec.key, number, concat(f"{SYMBOL_PREFIX[spec.kind]}-", issuer.code),
            spec.issuing_unit_id,
            null if spec.recipient_unit_id is None else spec.recipient_unit_id,
            null if spec.recipient_staff_id is None else spec.recipient_staff_id,
            spec.subject, spec.body, sa.literal(today, sa.Date), sa.literal(today.year, sa.Integer),
            null if spec.task_id is None else spec.task_id,
            null if spec.task_step_id is None else spec.task_step_id,
            null if spec.consultation_recipient_id is None else spec.consultation_recipient_id,
            sa.literal(now, UTCDateTime),
        )
        .select_from(from_)
        .join(issuer, issuer.id == spec.issuing_unit_id)
        .outerjoin(base, base.c.unit_id == spec.issuing_unit_id)
        .where(*where, not_issued)
    )
    ids: list[int] = insert_ignore(session, Notice.__table__, COLUMNS, select, conflict_column="dedupe_key",
                                   returning=Notice.__table__.c.id)  # type: ignore[assignment]
    if ids:
        audit_bulk(session, "create", "notice", {"kind": spec.kind, "ids": sorted(ids)})
    analyze_if_large(session, "notice", len(ids))
    return ids


def _highest_number() -> sa.ColumnElement[int]:
    # The CHECK on number (decimal digits only) makes the cast safe on PostgreSQL.
    return sa.func.max(sa.cast(Notice.number, sa.Integer))


def lock_register(session: Session) -> None:
    """Hold the notice registers until the session's transaction ends.

    PostgreSQL (READ COMMITTED): two transactions reading the highest number at once
    would both take the next one; a transaction-scoped advisory lock makes the second
    wait until the first commits, and its next statement then sees the new number.
    The sweep takes it when it issues its first notice (its tick claim already keeps
    sweeps apart); a notice issued on its own (a report, a late answer) takes it in
    :func:`next_number` or :func:`insert_notices`.

    SQLite has one writer at a time, but a deferred transaction takes the write lock
    only at its first write, after it read the highest number; a write that changes
    nothing takes it now (waiting up to the busy timeout). A transaction that had read
    before another one committed cannot write at all (WAL): it fails and is rolled
    back, it never writes a duplicate.
    """
    name = dialect_name(session)
    if name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(REGISTER_LOCK)))
    elif name == "sqlite":
        table = Notice.__table__
        session.execute(sa.update(table).where(sa.false()).values(number=table.c.number))


def next_number(session: Session, issuing_unit_id: int, issued_on: date) -> str:
    """The next number of the unit's register for the year of ``issued_on``, for a
    notice inserted on its own. The register stays locked until the caller commits,
    so insert the notice in the same transaction."""
    lock_register(session)
    highest = session.scalar(
        sa.select(_highest_number()).where(
            Notice.issuing_unit_id == issuing_unit_id, Notice.issued_year == issued_on.year,
        )
    )
    return str((highest or 0) + 1)


def number_new_notice(session: Session, notice: Notice, *, today: date) -> Notice:
    """Number a notice entered by hand (not flushed yet) in its issuing unit's register.

    The issuing unit and ``issued_on`` name the register (the unit's, for that year);
    the number is the register's next one, never typed, and the register stays
    locked until the caller's transaction ends. A blank symbol becomes the usual
    "TB-<unit code>" / "BC-<unit code>"; the dedupe key names the register entry.
    """
    unit = notice.issuing_unit if notice.issuing_unit is not None else (
        session.get(Unit, notice.issuing_unit_id) if notice.issuing_unit_id is not None else None)
    if unit is None:
        raise DomainError("Phải chọn cơ quan ban hành văn bản.")
    if notice.kind not in NOTICE_KINDS:
        raise DomainError(f"Loại văn bản không hợp lệ: {notice.kind!r}.")
    issued_on = notice.issued_on
    if issued_on is None:
        raise DomainError("Phải nhập ngày ban hành văn bản.")
    if issued_on > today:
        raise DomainError(f"Ngày ban hành ({issued_on:%d/%m/%Y}) không được sau ngày hôm nay: văn bản được vào sổ "
                          "khi ban hành.")
    if issued_on < unit.valid_from or (unit.valid_to is not None and issued_on > unit.valid_to):
        raise DomainError(f"Ngày ban hành {issued_on:%d/%m/%Y} nằm ngoài thời gian hoạt động của {unit.name}.")
    number = next_number(session, unit.id, issued_on)
    notice.number, notice.issued_year = number, issued_on.year
    notice.symbol = (notice.symbol or "").strip() or f"{SYMBOL_PREFIX.get(notice.kind, 'TB')}-{unit.code}"
    notice.dedupe_key = f"register:{unit.id}:{issued_on.year}:{number}"
    return notice


def check_register_kept(notice: Notice) -> None:
    """An issued notice keeps its place in the register: number, issuing unit and year."""
    state = sa.inspect(notice)
    moved = any(state.attrs[name].history.has_changes() for name in ("number", "issuing_unit_id", "issued_year"))
    unit = notice.issuing_unit
    if moved or (unit is not None and unit.id != notice.issuing_unit_id):
        stored = state.attrs.number.history.deleted or [notice.number]
        raise DomainError(f"Văn bản số {stored[0]} đã vào sổ văn bản: số, cơ quan ban hành và năm ban hành "
                          "không thay đổi được.")


def refuse_delete(session: Session, notice: Notice, *, at: datetime) -> None:
    """A notice issued is a record of accountability (item 4: the written notice and the
    report to the competent authority): it is never deleted."""
    raise DomainError(f"Văn bản số {notice.number}/{notice.symbol} đã ban hành là hồ sơ trách nhiệm: "
                      "không xóa được.")


# ------------------------------------------------------------ deemed agreement
def insert_deemed_notices(session: Session, recipient_ids: list[int], *, today: date, now: datetime) -> tuple[int, int]:
    """For recipients just deemed to agree: the written notice to the silent unit and
    the report to the competent authority, once each (item 4). Returns (notices, reports)."""
    notices = reports = 0
    for ids in chunked(recipient_ids):
        r, c = ConsultationRecipient, Consultation
        silent, lead, authority = aliased(Unit, name="silent"), aliased(Unit, name="lead"), aliased(Unit, name="authority")
        from_ = (
            orm_join(r, c, c.id == r.consultation_id)
            .join(silent, silent.id == r.unit_id)
            .join(lead, lead.id == c.consulting_unit_id)
            .join(authority, authority.id == c.competent_unit_id)
        )
        where = [r.id.in_(ids), r.outcome == "deemed_agreed"]
        deadline, sent = date_text(session, r.deadline), date_text(session, c.sent_on)
        about = concat(c.code, " — ", c.subject)
        notice = NoticeSpec(
            kind="deemed_agreement",
            key=concat("deemed:recipient:", text_of(r.id)),
            issuing_unit_id=c.consulting_unit_id, recipient_unit_id=r.unit_id,
            consultation_recipient_id=r.id, task_id=c.task_id, order_by=r.id,
            subject=concat("V/v xác định đồng ý đối với nội dung lấy ý kiến ", c.code),
            body=concat(
                f"Thực hiện {CD280} về chấn chỉnh, tăng cường trách nhiệm trong xử lý công việc; ngày ",
                sent, ", ", lead.name, " đã lấy ý kiến ", silent.name, " về: ", about,
                ", thời hạn trả lời đến hết ngày ", deadline, ".\n",
                "Đến hết thời hạn nêu trên, ", silent.name, " không có ý kiến trả lời. Theo Công điện "
                "số 280/CĐ-TTg, trường hợp quá thời hạn quy định mà cơ quan được lấy ý kiến không trả lời "
                "hoặc chậm trả lời thì được xác định là đồng ý với ý kiến và đề xuất của cơ quan lấy ý kiến.\n",
                lead.name, " thông báo để ", silent.name, " biết. Cơ quan được lấy ý kiến không trả lời hoặc "
                "chậm trả lời phải chịu trách nhiệm trước pháp luật và trước cấp có thẩm quyền; việc chậm trả "
                "lời được ghi nhận vào kết quả đánh giá của đơn vị.",
            ),
        )
        report = NoticeSpec(
            kind="authority_report",
            key=concat("report:recipient:", text_of(r.id)),
            issuing_unit_id=c.consulting_unit_id, recipient_unit_id=c.competent_unit_id,
            consultation_recipient_id=r.id, task_id=c.task_id, order_by=r.id,
            subject=concat("V/v báo cáo đơn vị không trả lời ý kiến về nội dung ", c.code),
            body=concat(
                f"Thực hiện {CD280}, ", lead.name, " báo cáo ", authority.name, " như sau: ngày ", sent,
                ", ", lead.name, " đã lấy ý kiến ", silent.name, " về: ", about,
                ", thời hạn trả lời đến hết ngày ", deadline, ".\n",
                "Hết thời hạn, ", silent.name, " không có ý kiến trả lời; ý kiến của đơn vị được xác định là "
                "đồng ý với ý kiến và đề xuất của cơ quan lấy ý kiến. ", lead.name,
                " đã có văn bản thông báo lại cho đơn vị.\n",
                "Kính đề nghị ", authority.name, " xem xét trách nhiệm của đơn vị không trả lời "
                "theo quy định.",
            ),
        )
        notices += len(insert_notices(session, notice, from_, where, today=today, now=now, chunk=True))
        reports += len(insert_notices(session, report, from_, where, today=today, now=now, chunk=True))
    return notices, reports


# -------------------------------------------------------------------- documents
def _head_of(session: Session, unit_id: int) -> Staff | None:
    return session.scalar(
        sa.select(Staff).where(Staff.unit_id == unit_id, Staff.is_manager.is_(True), Staff.status == "active")
        .order_by(Staff.id).limit(1)
    )


def notice_letter(session: Session, notice: Notice, *, tables: list[list[list[str]]] | None = None) -> OfficialLetter:
    """The :class:`OfficialLetter` of a stored notice (issue 4, rule 8).

    Issuing body: the issuing unit under its parent; signer: the head of the issuing
    unit (or "Thủ trưởng đơn vị" when none is recorded); Nơi nhận: "Như trên; Lưu: VT".
    """
    unit = notice.issuing_unit
    head = _head_of(session, unit.id)
    addressee = notice.recipient_staff.full_name if notice.recipient_staff is not None else None
    if notice.recipient_unit is not None:
        addressee = f"{addressee} ({notice.recipient_unit.name})" if addressee else notice.recipient_unit.name
    subject = notice.subject.strip()
    if subject.startswith("V/v "):  # a typed document (Thông báo, Báo cáo) says "Về việc"
        subject = "Về việc " + subject[4:]
    letter = OfficialLetter(
        issuing_body=unit.name,
        parent_body=unit.parent.name if unit.parent is not None else None,
        number=notice.number,
        symbol=notice.symbol,
        place=unit.place or DEFAULT_PLACE,
        issued_on=notice.issued_on,
        subject=subject,
        body=[p for p in notice.body.split("\n") if p.strip() and "\t" not in p],
        signer_title=head.position if head is not None and head.position else "Thủ trưởng đơn vị",
        signer_name=head.full_name if head is not None else "(ký, ghi rõ họ tên)",
        addressees=[addressee] if addressee else [],
        recipients=["Như trên", "Lưu: VT"],
        kind_label=KIND_LABEL.get(notice.kind),
    )
    if tables and hasattr(letter, "tables"):
        letter.tables = tables  # type: ignore[attr-defined]
    return letter


def body_tables(body: str) -> list[list[list[str]]]:
    """Tables kept in a notice body: consecutive tab-separated lines, first one the header."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in body.split("\n"):
        if "\t" in line:
            current.append(line.split("\t"))
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def notice_docx(session: Session, notice: Notice) -> tuple[str, bytes]:
    """The notice as a DOCX file: (safe ASCII file name, bytes), ready for download."""
    if notice.kind not in NOTICE_KINDS:
        raise DomainError(f"Loại văn bản không hợp lệ: {notice.kind!r}.")
    letter = notice_letter(session, notice, tables=body_tables(notice.body))
    try:
        data = render_letter(letter)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    return letter_filename(letter), data
