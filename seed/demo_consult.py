"""Demo consultations (lấy ý kiến, item 4 of the directive) with every kind of answer:
on time, late, silent and deemed agreed, silent and still pending past the deadline
(work for the sweep), disagreements open / met / escalated, deadline issues pending
and decided, and open ones due in 2027 for the live clock.

Also the notices already issued for the recipients deemed to agree.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Consultation, ConsultationRecipient, DeadlineIssue, Notice

from .demo_world import DEMO_TODAY, World, at, deadline_end

RELEVANCE = {
    "PT-TCKH": "Tham mưu bố trí nguồn kinh phí, thẩm định dự toán liên quan đến nội dung lấy ý kiến",
    "PT-TNMT": "Quản lý nhà nước về đất đai, tài nguyên, môi trường tại khu vực liên quan",
    "PT-TP": "Thẩm định tính hợp pháp, tính thống nhất của dự thảo văn bản",
    "PT-NV": "Quản lý tổ chức bộ máy, biên chế, thi đua khen thưởng",
    "PT-VP": "Tổng hợp, tham mưu chương trình công tác của UBND huyện",
    "PT-KTHT": "Quản lý quy hoạch, xây dựng, giao thông trên địa bàn",
    "PT-LDTBXH": "Quản lý chính sách lao động, người có công và bảo trợ xã hội",
    "PT-GDDT": "Quản lý mạng lưới trường lớp, đội ngũ giáo viên",
    "PT-VHTT": "Quản lý văn hóa, thông tin, tuyên truyền trên địa bàn",
}
COMMENTS = [
    "Đề nghị bổ sung căn cứ pháp lý và làm rõ nguồn kinh phí thực hiện.",
    "Thống nhất; đề nghị điều chỉnh tiến độ phù hợp với kế hoạch vốn năm sau.",
    "Đề nghị rà soát lại số liệu tại phụ lục kèm theo trước khi trình.",
    "Đề nghị bổ sung ý kiến của Nhân dân nơi thực hiện và biên bản họp bản.",
]
DISAGREE = [
    "Không thống nhất: diện tích đề xuất chồng lấn đất sản xuất của 12 hộ đã được giao, "
    "đề nghị khảo sát lại ranh giới.",
    "Không thống nhất việc sáp nhập điểm trường bản Hợp 1: khoảng cách đến điểm trường chính trên 5 km, "
    "học sinh mầm non không thể đi về trong ngày.",
    "Không thống nhất phương án bố trí dân cư vì khu vực có nguy cơ sạt lở cao theo bản đồ cảnh báo.",
]

# code, consulting unit, subject, sent_on, working days (None: fixed deadline), deadline, status,
# [(recipient unit, scenario)]
CONSULTATIONS = [
    ("PT-C01", "PT-TNMT", "Lấy ý kiến phương án bồi thường, hỗ trợ công trình đường Mường So – Khổng Lào",
     date(2024, 3, 11), 7, None, "submitted",
     [("PT-TCKH", "agree"), ("PT-X-MS", "comments"), ("PT-X-KL", "agree"), ("PT-TP", "comments")]),
    ("PT-C02", "PT-TCKH", "Lấy ý kiến dự thảo phương án phân bổ dự toán ngân sách huyện năm 2024",
     date(2023, 11, 20), 5, None, "submitted", [("PT-NV", "agree"), ("PT-GDDT", "late"), ("PT-TNMT", "deemed")]),
    ("PT-C03", "PT-NV", "Lấy ý kiến dự thảo Đề án vị trí việc làm, cơ cấu ngạch công chức các phòng chuyên môn",
     date(2024, 5, 6), 5, None, "submitted",
     [("PT-TCKH", "comments"), ("PT-TP", "agree"), ("PT-VP", "deemed"), ("PT-LDTBXH", "deemed")]),
    ("PT-C04", "PT-KTHT", "Lấy ý kiến hồ sơ điều chỉnh quy hoạch chi tiết trung tâm thị trấn Phong Thổ",
     date(2024, 9, 9), 7, None, "submitted",
     [("PT-TNMT", "disagree_meeting"), ("PT-X-TT", "agree"), ("PT-TCKH", "late")]),
    ("PT-C05", "PT-GDDT", "Lấy ý kiến phương án sắp xếp, sáp nhập điểm trường năm học 2024–2025",
     date(2024, 6, 3), 5, None, "escalated",
     [("PT-X-BL", "disagree_escalated"), ("PT-TCKH", "agree"), ("PT-NV", "comments")]),
    ("PT-C06", "PT-TP", "Lấy ý kiến dự thảo Quy chế phối hợp thực hiện trợ giúp pháp lý trên địa bàn huyện",
     date(2025, 1, 6), 5, None, "submitted", [("PT-VP", "agree"), ("PT-NV", "late"), ("PT-LDTBXH", "deemed")]),
    ("PT-C07", "PT-TNMT", "Lấy ý kiến phương án giao đất sản xuất cho các hộ tái định cư tại xã Mường So",
     date(2025, 5, 12), 7, None, "closed",
     [("PT-X-MS", "disagree"), ("PT-TCKH", "agree"), ("PT-KTHT", "comments")]),
    ("PT-C08", "PT-TCKH", "Lấy ý kiến dự thảo báo cáo quyết toán vốn đầu tư công năm 2024",
     date(2025, 6, 2), 5, None, "open", [("PT-TNMT", "pending"), ("PT-KTHT", "pending"), ("PT-VP", "agree")]),
    ("PT-C09", "PT-LDTBXH", "Lấy ý kiến danh sách đề nghị hỗ trợ nhà ở cho hộ nghèo năm 2025",
     date(2025, 6, 5), 5, None, "open",
     [("PT-X-MS", "pending"), ("PT-X-DS", "pending"), ("PT-TCKH", "suspended"), ("PT-X-KL", "agree")]),
    ("PT-C10", "PT-VHTT", "Lấy ý kiến Kế hoạch tổ chức Ngày hội văn hóa các dân tộc huyện Phong Thổ năm 2025",
     date(2025, 4, 1), 5, None, "submitted", [("PT-TCKH", "extended"), ("PT-X-TT", "agree"), ("PT-VP", "comments")]),
    ("PT-C11", "PT-NV", "Lấy ý kiến dự thảo Kế hoạch kiểm tra công vụ năm 2025",
     date(2024, 12, 16), 5, None, "submitted",
     [("PT-VP", "agree"), ("PT-TP", "agree"), ("PT-GDDT", "comments"), ("PT-TNMT", "deemed")]),
    ("PT-C12", "PT-TNMT", "Lấy ý kiến hồ sơ đề nghị cấp phép khai thác cát lòng sông Nậm Na",
     date(2025, 6, 16), 7, None, "open", [("PT-TCKH", "agree"), ("PT-KTHT", "pending"), ("PT-X-HL", "pending")]),
    ("PT-C13", "PT-KTHT", "Lấy ý kiến Đề án phát triển giao thông nông thôn giai đoạn 2026–2030",
     date(2025, 6, 10), None, date(2027, 1, 15), "open",
     [("PT-TNMT", "pending"), ("PT-TCKH", "agree"), ("PT-X-SSH", "pending")]),
    ("PT-C14", "PT-NV", "Lấy ý kiến dự thảo Đề án sắp xếp tổ chức bộ máy, tinh giản biên chế giai đoạn 2026–2030",
     date(2025, 6, 18), None, date(2027, 3, 31), "open",
     [("PT-TCKH", "pending"), ("PT-TNMT", "pending"), ("PT-VP", "comments"), ("PT-LDTBXH", "pending")]),
    ("PT-C15", "PT-GDDT", "Lấy ý kiến Kế hoạch phát triển giáo dục huyện giai đoạn 2026–2030",
     date(2025, 6, 12), None, date(2027, 2, 26), "open",
     [("PT-TCKH", "pending"), ("PT-X-MS", "pending"), ("PT-VHTT", "pending")]),
]
# A consultation held for a task of the consulting unit.
TASK_LINKS = {"PT-C07": "PT-T009"}


def _relevance(world: World, unit_code: str) -> str:
    if unit_code in RELEVANCE:
        return RELEVANCE[unit_code]
    return f"Địa bàn thực hiện thuộc {world.units[unit_code].name}; UBND xã trực tiếp tổ chức thực hiện"


def _answerer(world: World, unit_code: str):
    for username in ("head", "head2", "commune"):
        account = world.accounts.get(username)
        if account is not None and account.unit_id == world.units[unit_code].id:
            return account.id
    return None


def _recipient(world: World, unit_code: str, scenario: str, sent: date, deadline: date) -> ConsultationRecipient:
    rng = world.rng
    r = ConsultationRecipient(unit_id=world.units[unit_code].id, relevance_reason=_relevance(world, unit_code),
                              deadline=deadline, outcome="pending")
    last_on_time = min(deadline, DEMO_TODAY)
    on_time = sent + timedelta(days=rng.randint(1, max(1, (last_on_time - sent).days)))
    if scenario in ("agree", "comments", "disagree", "disagree_meeting", "disagree_escalated"):
        r.answer = {"agree": "agree", "comments": "agree_with_comments"}.get(scenario, "disagree")
        r.answer_text = (rng.choice(COMMENTS) if scenario == "comments"
                         else rng.choice(DISAGREE) if r.answer == "disagree" else None)
        r.answered_at, r.answered_late, r.outcome = at(on_time, 10, 30), False, "answered"
        r.answered_by_id = _answerer(world, unit_code)
    if scenario == "disagree_meeting":
        r.resolution, r.resolved_at = "meeting", at(deadline + timedelta(days=3), 14)
        r.resolution_note = ("Ngày làm việc trực tiếp giữa hai cơ quan: thống nhất điều chỉnh ranh giới khu "
                             "vực theo ý kiến của đơn vị được lấy ý kiến; đã bổ sung vào hồ sơ trình.")
    elif scenario == "disagree_escalated":
        r.resolution, r.resolved_at = "escalated", at(deadline + timedelta(days=6), 15)
        r.resolution_note = ("Đã làm việc trực tiếp nhưng chưa thống nhất; "
                             "báo cáo Chủ tịch UBND huyện xem xét, quyết định.")
    elif scenario in ("late", "deemed"):
        r.outcome, r.deemed_agreed_at = "deemed_agreed", deadline_end(deadline)
        if scenario == "late":
            r.answer, r.answered_late = "agree_with_comments", True
            r.answer_text = rng.choice(COMMENTS)
            r.answered_at = at(deadline + timedelta(days=rng.randint(2, 6)), 16)
            r.answered_by_id = _answerer(world, unit_code)
    elif scenario == "suspended":
        r.outcome = "suspended"
        r.deadline_issues.append(DeadlineIssue(
            document_ref="215/TCKH-NS", filed_at=at(deadline - timedelta(days=2), 15),
            description=("Danh sách chưa có xác nhận nguồn vốn lồng ghép của Chương trình MTQG; đề nghị "
                         "cơ quan lấy ý kiến cho gia hạn thời hạn trả lời để phối hợp với Kho bạc rà soát."),
        ))
    elif scenario == "extended":
        new_deadline = world.calendar.add_working_days(deadline, 3)
        r.deadline_issues.append(DeadlineIssue(
            document_ref="98/TCKH-NS", filed_at=at(deadline - timedelta(days=1), 9),
            description="Dự toán kinh phí chưa kèm báo giá; cần thêm thời gian đối chiếu định mức chi.",
            decision="extend", new_deadline=new_deadline, decided_at=at(deadline, 11),
            decision_note="Đồng ý gia hạn thêm 03 ngày làm việc.",
        ))
        r.deadline = new_deadline
        r.answer, r.answered_late, r.outcome = "agree", False, "answered"
        r.answered_at = at(new_deadline - timedelta(days=1), 10)
        r.answered_by_id = _answerer(world, unit_code)
    return r


def seed_consultations(session: Session, world: World) -> None:
    existing = {c.code: c for c in session.scalars(sa.select(Consultation).where(Consultation.code.like("PT-C%")))}
    for code, unit_code, subject, sent, days, fixed, status, recipients in CONSULTATIONS:
        deadline = fixed or world.calendar.add_working_days(sent, days)
        # Built (and the rng drawn) even when the row exists, so the data never shifts.
        rows = [(unit, _recipient(world, unit, scenario, sent, deadline)) for unit, scenario in recipients]
        consultation = existing.get(code)
        if consultation is None:
            task = world.tasks.get(TASK_LINKS.get(code, ""))
            creator = _answerer(world, unit_code)
            consultation = Consultation(
                code=code, subject=subject, task_id=task.id if task is not None else None,
                proposal=f"Dự thảo kèm theo; đề nghị các cơ quan, đơn vị có ý kiến bằng văn bản trước ngày "
                         f"{deadline:%d/%m/%Y}. Quá thời hạn không có ý kiến được xác định là đồng ý.",
                consulting_unit_id=world.units[unit_code].id, competent_unit_id=world.units["PT"].id,
                sent_on=sent, deadline_kind="working_days" if days else "date", deadline_working_days=days,
                deadline=deadline, status=status, created_by_id=creator, created_at=at(sent, 8),
                submitted_at=at(deadline + timedelta(days=8), 10) if status in ("submitted", "escalated") else None,
            )
            consultation.recipients = [r for _, r in rows]
            session.add(consultation)
        world.consultations[code] = consultation
    session.flush()
    for recipient in session.scalars(sa.select(ConsultationRecipient).join(ConsultationRecipient.consultation)
                                      .where(Consultation.code.like("PT-C%"))):
        world.recipients[(recipient.consultation.code, recipient.unit.code)] = recipient


def seed_notices(session: Session, world: World) -> None:
    """The written notice and the report already issued for each deemed-agreed recipient.

    Numbered like the portal numbers them: the issuing unit's sequence of the year,
    symbol "TB-<unit code>" (thông báo) or "BC-<unit code>" (báo cáo).
    """
    have = set(session.scalars(sa.select(Notice.dedupe_key).where(
        sa.or_(Notice.dedupe_key.like("deemed:recipient:%"), Notice.dedupe_key.like("report:recipient:%")))))
    for r in sorted(world.recipients.values(), key=lambda row: row.id):
        if r.outcome != "deemed_agreed":
            continue
        c = r.consultation
        consulting = c.consulting_unit
        issued = world.calendar.next_working_day(r.deadline)
        for kind, key, symbol, to_unit, subject, body in (
            ("deemed_agreement", f"deemed:recipient:{r.id}", f"TB-{consulting.code}", r.unit_id,
             f"V/v xác định đồng ý đối với nội dung lấy ý kiến {c.code}",
             f"Ngày {c.sent_on:%d/%m/%Y}, {consulting.name} đã gửi văn bản lấy ý kiến về: {c.subject}. "
             f"Đến hết ngày {r.deadline:%d/%m/%Y} (thời hạn trả lời), {r.unit.name} không có ý kiến trả lời. "
             "Theo Công văn triển khai Công điện số 280/CĐ-TTg, đơn vị được xác định là đồng ý với ý kiến và "
             "đề xuất của cơ quan lấy ý kiến và chịu trách nhiệm về việc không trả lời đúng hạn."),
            ("authority_report", f"report:recipient:{r.id}", f"BC-{consulting.code}", c.competent_unit_id,
             f"V/v báo cáo đơn vị không trả lời ý kiến đúng hạn ({c.code})",
             f"{consulting.name} báo cáo: {r.unit.name} không trả lời ý kiến về {c.subject} trong thời hạn "
             f"(đến ngày {r.deadline:%d/%m/%Y}); đã được xác định là đồng ý và đã có văn bản thông báo."),
        ):
            if key in have:
                continue
            number = 1 + session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
                Notice.issuing_unit_id == consulting.id,
                Notice.issued_on >= date(issued.year, 1, 1), Notice.issued_on < date(issued.year + 1, 1, 1)))
            session.add(Notice(
                kind=kind, dedupe_key=key, number=str(number), symbol=symbol,
                issuing_unit_id=consulting.id, recipient_unit_id=to_unit, subject=subject, body=body,
                issued_on=issued, consultation_recipient_id=r.id, created_at=at(issued, 8, 5),
            ))
            session.flush()
