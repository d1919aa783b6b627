"""Demo oversight records: inspections with findings, leadership proposals with their
evidence, the directive with its acknowledgements, and the calendar exceptions.

Rows without a business code are found by another natural key: a proposal by its
``source_key`` ("demo:…"), findings and targets through their inspection, an
acknowledgement by (directive, staff), a calendar exception by its day.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import (
    Acknowledgement, CalendarException, Commendation, CommendationTitle, Directive, DisciplinaryReview,
    DisciplineForm, Evidence, Finding, Inspection, InspectionTarget, Reassignment, Recommendation, Task,
)

from .demo_world import CALENDAR_EXCEPTIONS, DEMO_TODAY, World, at


def seed_calendar(session: Session) -> None:
    have = set(session.scalars(sa.select(CalendarException.day)))
    for day, kind, reason in CALENDAR_EXCEPTIONS:
        if day not in have:
            session.add(CalendarException(day=day, kind=kind, reason=reason))


def _late_task(world: World, unit_code: str) -> Task | None:
    """The unit's first task finished late or overdue (a fact an inspector would record)."""
    unit_id = world.units[unit_code].id
    for code in sorted(world.tasks):
        t = world.tasks[code]
        if t.lead_unit_id == unit_id and (t.completed_late or (t.status != "done" and t.due_date < DEMO_TODAY)):
            return t
    return None


# code, mode, status, title, planned_on, (start, end) days, targets, scope,
# findings: (unit, kind, severity, with staff?, with late task?, description, [(rec kind, text, status)])
INSPECTIONS = [
    ("PT-KT-2024-01", "planned", "closed",
     "Kiểm tra công vụ định kỳ năm 2024 tại UBND các xã Mường So, Khổng Lào, Dào San",
     date(2024, 4, 15), (date(2024, 4, 15), date(2024, 4, 19)), ["PT-X-MS", "PT-X-KL", "PT-X-DS"],
     "Theo Kế hoạch kiểm tra công vụ năm 2024 của UBND huyện.",
     [("PT-X-KL", "punctuality", "minor", True, False, "01 công chức vắng mặt buổi sáng không có lý do.",
       [("correct", "Chấn chỉnh việc chấp hành thời giờ làm việc; công khai kết quả chấm công hằng tháng.", "done")]),
      ("PT-X-MS", "one_stop", "moderate", False, False,
       "Bộ phận một cửa niêm yết 07 thủ tục hành chính đã hết hiệu lực.",
       [("correct", "Rà soát, niêm yết lại đầy đủ thủ tục hành chính đang có hiệu lực.", "done"),
        ("criticise_head", "Phê bình Chủ tịch UBND xã trong việc chỉ đạo niêm yết thủ tục.", "done")]),
      ("PT-X-MS", "late_handling", "serious", True, True,
       "Hồ sơ giải quyết quá hạn, không có văn bản xin lỗi người dân.",
       [("discipline", "Xem xét trách nhiệm, kiểm điểm công chức để hồ sơ quá hạn.", "open")])]),
    ("PT-KT-2025-02", "surprise_notice", "closed",
     "Kiểm tra đột xuất việc chấp hành kỷ luật, kỷ cương hành chính tại Phòng Tài chính - Kế hoạch "
     "và Trường Tiểu học Mường So",
     date(2025, 3, 18), (date(2025, 3, 18), date(2025, 3, 18)), ["PT-TCKH", "PT-TH-THMS"],
     "Thông báo trước 01 ngày làm việc.",
     [("PT-TCKH", "badge", "minor", True, False, "02 công chức không đeo thẻ công chức trong giờ làm việc.",
       [("correct", "Nhắc nhở, chấn chỉnh việc đeo thẻ công chức.", "done")]),
      ("PT-TH-THMS", "conduct", "minor", False, False, "Chưa niêm yết quy tắc ứng xử tại phòng họp hội đồng.",
       [("correct", "Niêm yết quy tắc ứng xử theo quy định.", "open")])]),
    ("PT-KT-2025-03", "planned", "in_progress",
     "Kiểm tra công vụ 6 tháng đầu năm 2025 tại Văn phòng HĐND và UBND huyện và Phòng Tư pháp",
     date(2025, 6, 16), (date(2025, 6, 16), None), ["PT-VP", "PT-TP"], "Theo Kế hoạch kiểm tra công vụ năm 2025.",
     [("PT-VP", "reception", "minor", False, False,
       "Lịch tiếp công dân tháng 6 chưa được công khai trên cổng thông tin.",
       [])]),
    ("PT-KT-2025-04", "unannounced", "planned",
     "Kiểm tra đột xuất (không báo trước) tại Phòng Tài nguyên và Môi trường",
     date(2027, 3, 15), (None, None), ["PT-TNMT"],
     "Kiểm tra việc giải quyết hồ sơ đất đai quá hạn và việc chấp hành kỷ luật, kỷ cương hành chính. "
     "Không thông báo cho đơn vị được kiểm tra trước khi bắt đầu.", []),
    ("PT-KT-2024-05", "unannounced", "closed",
     "Kiểm tra đột xuất việc giải quyết thủ tục hành chính tại UBND thị trấn Phong Thổ và UBND xã Bản Lang",
     date(2024, 11, 12), (date(2024, 11, 12), date(2024, 11, 13)), ["PT-X-TT", "PT-X-BL"], None,
     [("PT-X-TT", "late_handling", "moderate", True, True, "Nhiệm vụ được giao giải quyết chậm so với thời hạn.",
       [("correct", "Rà soát toàn bộ hồ sơ tồn đọng, báo cáo tiến độ hằng tuần.", "done")]),
      ("PT-X-BL", "vehicle", "minor", False, False, "Sổ theo dõi sử dụng xe công không ghi đầy đủ lộ trình.",
       [("other", "Hoàn thiện sổ nhật trình xe công.", "done")])]),
]


def seed_inspections(session: Session, world: World) -> dict[str, Finding]:
    """Returns the findings by "<inspection code>:<n>" for the proposals' evidence."""
    existing = {i.code: i for i in session.scalars(sa.select(Inspection).where(Inspection.code.like("PT-KT-%")))}
    inspector = world.accounts.get("inspector")
    for code, mode, status, title, planned, (start, end), targets, scope, findings in INSPECTIONS:
        if code in existing:
            continue
        inspection = Inspection(
            code=code, title=title, mode=mode, status=status, lead_unit_id=world.units["PT-NV"].id,
            planned_on=planned, started_at=at(start, 8) if start else None, ended_at=at(end, 16, 30) if end else None,
            scope=scope, created_by_id=inspector.id if inspector else None,
            created_at=at(min(planned, DEMO_TODAY) - timedelta(days=20), 9),
        )
        inspection.targets = [InspectionTarget(unit_id=world.units[u].id) for u in targets]
        for unit_code, kind, severity, with_staff, with_task, description, recs in findings:
            task = _late_task(world, unit_code) if with_task else None
            staff = world.members(unit_code, managers=False)[0] if with_staff else None
            if task is not None:  # the person at the step where the delay happened
                staff = next((s.responsible for s in task.steps if not s.responsible.is_manager), staff)
            recorded = end or start or planned
            finding = Finding(
                unit_id=world.units[unit_code].id, staff_id=staff.id if staff else None,
                task_id=task.id if task else None,
                kind=kind, severity=severity, description=description, recorded_at=at(recorded, 15),
                recorded_by_id=inspector.id if inspector else None,
            )
            finding.recommendations = [
                Recommendation(kind=k, text=text, status=st, due_date=recorded + timedelta(days=30),
                               created_at=at(recorded, 16))
                for k, text, st in recs
            ]
            inspection.findings.append(finding)
        session.add(inspection)
    session.flush()
    found: dict[str, Finding] = {}
    for inspection in session.scalars(sa.select(Inspection).where(Inspection.code.like("PT-KT-%"))):
        for n, finding in enumerate(sorted(inspection.findings, key=lambda f: f.id), start=1):
            found[f"{inspection.code}:{n}"] = finding
    return found


def _evidence(world: World, findings: dict[str, Finding], facts: list[tuple[str, str]]) -> list[Evidence]:
    """Facts: ("task", code) | ("step", "<code>/<staff id>") | ("reply", "PT-C02/PT-GDDT") |
    ("finding", "<inspection code>:<n>") | ("note", text)."""
    rows = []
    for kind, ref in facts:
        if kind == "task":
            rows.append(Evidence(task_id=world.tasks[ref].id))
        elif kind == "step":  # "<task code>/<staff id>": that person's step, else the last one
            code, staff_id = ref.split("/")
            task = world.tasks[code]
            step = next((s for s in task.steps if s.responsible_staff_id == int(staff_id)), task.steps[-1])
            rows.append(Evidence(task_id=task.id, task_step_id=step.id))
        elif kind == "reply":
            code, unit = ref.split("/")
            rows.append(Evidence(consultation_recipient_id=world.recipients[(code, unit)].id))
        elif kind == "finding":
            rows.append(Evidence(finding_id=findings[ref].id))
        else:
            rows.append(Evidence(note=ref))
    return rows


def _tasks_of(world: World, unit_code: str, *, late: bool | None, staff_id: int | None = None) -> list[str]:
    """Codes of the unit's finished tasks (late or on time), or of its overdue ones (late=None)."""
    unit_id = world.units[unit_code].id
    out = []
    for code in sorted(world.tasks):
        t = world.tasks[code]
        if t.lead_unit_id != unit_id:
            continue
        if staff_id is not None and all(s.responsible_staff_id != staff_id for s in t.steps):
            continue
        if late is None and t.status != "done" and t.due_date < DEMO_TODAY:
            out.append(code)
        elif late is not None and t.status == "done" and bool(t.completed_late) == late:
            out.append(code)
    return out


def seed_proposals(session: Session, world: World, findings: dict[str, Finding]) -> None:
    acc = world.accounts
    titles = {t.code: t for t in session.scalars(sa.select(CommendationTitle))}
    forms = {(f.code, f.staff_category, f.for_managers): f for f in session.scalars(
        sa.select(DisciplineForm).where(DisciplineForm.valid_to == date(2025, 6, 30)))}
    tnmt = world.members("PT-TNMT", managers=False)
    slow = tnmt[1]  # a TN&MT chuyên viên with overdue steps
    ms_clerk = findings["PT-KT-2024-01:3"].staff or world.members("PT-X-MS", managers=False)[1]
    tckh_worker = world.members("PT-TCKH", managers=False)[0]
    gd_head = world.head_of("PT-GDDT")
    on_time_tckh = _tasks_of(world, "PT-TCKH", late=False)[:2]
    overdue_slow = _tasks_of(world, "PT-TNMT", late=None, staff_id=slow.id) or _tasks_of(world, "PT-TNMT", late=None)

    def decided(status: str, day: date, reason: str | None = None) -> dict:
        if status == "proposed":
            return {"status": status}
        return {"status": status, "decided_by_id": acc["leader"].id, "decided_at": at(day, 15),
                "decision_reason": reason}

    rows = [
        (Commendation, "demo:commendation:1", dict(
            target_kind="person", staff_id=tckh_worker.id, title_id=titles["lao_dong_tien_tien"].id,
            reason="Hoàn thành 100% nhiệm vụ được giao đúng hạn năm 2024.", proposed_by_id=acc["head2"].id,
            proposed_at=at(date(2024, 12, 10)), **decided("approved", date(2024, 12, 20))),
         [("task", c) for c in on_time_tckh] or [("note", "Không có nhiệm vụ quá hạn trong năm 2024.")]),
        (Commendation, "demo:commendation:2", dict(
            target_kind="unit", unit_id=world.units["PT-TP"].id, title_id=titles["tap_the_lao_dong_tien_tien"].id,
            reason="Tập thể hoàn thành tốt nhiệm vụ, không có hồ sơ trễ hạn năm 2024.",
            proposed_by_id=acc["inspector"].id, proposed_at=at(date(2025, 6, 2)), **decided("proposed", DEMO_TODAY)),
         [("note", "Tổng hợp kết quả giải quyết nhiệm vụ năm 2024 của Phòng Tư pháp: 100% đúng hạn.")]),
        (Commendation, "demo:commendation:3", dict(
            target_kind="person", staff_id=world.members("PT-TNMT", managers=True)[-1].id,
            title_id=titles["giay_khen"].id, proposed_by_id=acc["head"].id, proposed_at=at(date(2025, 6, 12)),
            reason="Chủ động giải quyết dứt điểm hồ sơ đất đai tồn đọng, dám làm, dám chịu trách nhiệm.",
            **decided("proposed", DEMO_TODAY)),
         [("task", c) for c in _tasks_of(world, "PT-TNMT", late=False)[:2]]),
        (Commendation, "demo:commendation:4", dict(
            target_kind="person", staff_id=world.members("PT-X-MS", managers=False)[0].id,
            title_id=titles["chien_si_thi_dua_co_so"].id, proposed_by_id=acc["commune"].id,
            proposed_at=at(date(2025, 1, 8)), reason="Hoàn thành xuất sắc nhiệm vụ năm 2024.",
            **decided("rejected", date(2025, 1, 20),
                      "Chưa đủ điều kiện: chưa có sáng kiến được Hội đồng sáng kiến cấp huyện công nhận.")),
         [("note", "Kết quả đánh giá, xếp loại năm 2024: Hoàn thành xuất sắc nhiệm vụ.")]),
        (Reassignment, "demo:reassignment:1", dict(
            staff_id=slow.id, proposed_position="Chuyên viên lưu trữ hồ sơ địa chính",
            proposed_unit_id=world.units["PT-TNMT"].id, proposed_by_id=acc["head"].id,
            proposed_at=at(date(2025, 6, 16)),
            reason="Nhiều hồ sơ quá hạn, né tránh xử lý hồ sơ phức tạp, không đáp ứng yêu cầu công việc.",
            **decided("proposed", DEMO_TODAY)),
         [("step", f"{c}/{slow.id}") for c in overdue_slow[:2]] + [("reply", "PT-C02/PT-TNMT")]),
        (Reassignment, "demo:reassignment:2", dict(
            staff_id=ms_clerk.id, proposed_position="Công chức Văn phòng - Thống kê",
            proposed_by_id=acc["commune"].id, proposed_at=at(date(2024, 5, 6)),
            reason="Để hồ sơ quá hạn, đã bị Đoàn kiểm tra công vụ phát hiện.",
            **decided("approved", date(2024, 5, 20))),
         [("finding", "PT-KT-2024-01:3")]),
        (Reassignment, "demo:reassignment:3", dict(
            staff_id=world.members("PT-TCKH", managers=False)[-1].id, proposed_by_id=acc["head2"].id,
            proposed_at=at(date(2025, 2, 10)), reason="Chậm tham mưu báo cáo quyết toán.",
            **decided("rejected", date(2025, 2, 24), "Chậm trễ do hồ sơ của chủ đầu tư; không do lỗi cá nhân.")),
         [("note", "Báo cáo quyết toán năm 2024 nộp chậm 05 ngày.")]),
        (DisciplinaryReview, "demo:review:1", dict(
            staff_id=slow.id, proposed_by_id=acc["head"].id, proposed_at=at(date(2025, 6, 17)),
            reason="Để hồ sơ đất đai quá hạn nhiều lần, gây phiền hà cho người dân.",
            **decided("proposed", DEMO_TODAY)),
         [("step", f"{c}/{slow.id}") for c in overdue_slow[:1]] or [("note", "Hồ sơ quá hạn.")]),
        (DisciplinaryReview, "demo:review:2", dict(
            staff_id=ms_clerk.id, discipline_form_id=forms[("khien_trach", "cong_chuc", False)].id,
            proposed_by_id=acc["commune"].id, proposed_at=at(date(2024, 5, 6)),
            reason="Để hồ sơ quá hạn, không có văn bản xin lỗi người dân.", **decided("approved", date(2024, 6, 3))),
         [("finding", "PT-KT-2024-01:3")]),
        (DisciplinaryReview, "demo:review:3", dict(
            staff_id=gd_head.id, proposed_by_id=acc["inspector"].id, proposed_at=at(date(2023, 12, 8)),
            reason="Đơn vị không trả lời ý kiến đúng hạn, để cơ quan lấy ý kiến phải xác định là đồng ý.",
            **decided("proposed", DEMO_TODAY)),
         [("reply", "PT-C02/PT-GDDT")]),
    ]
    have = set(session.scalars(sa.select(Commendation.source_key).where(Commendation.source_key.like("demo:%"))))
    have |= set(session.scalars(sa.select(Reassignment.source_key).where(Reassignment.source_key.like("demo:%"))))
    have |= set(session.scalars(sa.select(DisciplinaryReview.source_key).where(
        DisciplinaryReview.source_key.like("demo:%"))))
    for model, key, values, facts in rows:
        if key in have:
            continue
        row = model(source_key=key, **values)
        row.evidence = _evidence(world, findings, facts)
        session.add(row)
    session.flush()


DIRECTIVE = {
    "code": "UBND-NV-280",
    "title": "Công văn triển khai thực hiện Công điện số 280/CĐ-TTg",
    "issued_on": date(2023, 5, 5),
    "acknowledge_by": date(2023, 5, 31),
    "summary": ("V/v triển khai thực hiện Công điện số 280/CĐ-TTg ngày 19/4/2023 của Thủ tướng Chính phủ về chấn "
                "chỉnh, tăng cường trách nhiệm trong xử lý công việc. Yêu cầu quán triệt đến từng cán bộ, công "
                "chức, viên chức, người lao động; không đùn đẩy, né tránh trách nhiệm; trả lời ý kiến đúng hạn."),
}
FULLY_ACKNOWLEDGED = {"PT", "PT-VP", "PT-NV", "PT-TCKH", "PT-TP", "PT-YT", "PT-X-TT"}


def seed_directive(session: Session, world: World) -> None:
    directive = session.scalar(sa.select(Directive).where(Directive.code == DIRECTIVE["code"]))
    if directive is None:
        directive = Directive(issuing_unit_id=world.units["PT"].id, created_at=at(DIRECTIVE["issued_on"], 14),
                              **DIRECTIVE)
        session.add(directive)
        session.flush()
    have = set(session.scalars(sa.select(Acknowledgement.staff_id).where(Acknowledgement.directive_id == directive.id)))
    rng = world.rng
    share = {unit: 1.0 if unit in FULLY_ACKNOWLEDGED else rng.choice([0.4, 0.5, 0.6, 0.75, 0.8])
             for unit in sorted(world.staff_by_unit)}
    silent = world.accounts["staff"].staff_id if "staff" in world.accounts else None
    unit_of = {p.code: u for u, people in world.staff_by_unit.items() for p in people}
    for code in sorted(world.staff):
        person, unit_code = world.staff[code], unit_of[code]
        draw, delay = rng.random(), rng.randint(1, 35)
        if draw >= share[unit_code] or person.id == silent or person.id in have:
            continue
        session.add(Acknowledgement(
            directive_id=directive.id, staff_id=person.id,
            acknowledged_at=at(DIRECTIVE["issued_on"] + timedelta(days=delay), 8 + delay % 9),
        ))
    session.flush()
