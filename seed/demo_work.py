"""Demo tasks (with steps and extensions) at every status relative to DEMO_TODAY.

Each task is planned in full first (all random draws happen whether or not the
task already exists, so the data stays the same on every run) and inserted only if
its code is new; its steps and extensions are created with it.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Staff, Task, TaskExtension, TaskStep

from .demo_world import DEMO_TODAY, World, at

TITLES: dict[str, list[str]] = {
    "PT-TNMT": [
        "Thẩm định hồ sơ cấp Giấy chứng nhận quyền sử dụng đất cho hộ gia đình tại xã Mường So",
        "Giải quyết đơn đề nghị về tranh chấp đất đai tại bản Pa Pe, xã Khổng Lào",
        "Thẩm định phương án bồi thường, hỗ trợ công trình đường Mường So – Khổng Lào",
        "Kiểm tra, xử lý khai thác cát trái phép trên sông Nậm Na",
        "Xây dựng kế hoạch sử dụng đất năm 2025 huyện Phong Thổ",
        "Thẩm định hồ sơ chuyển mục đích sử dụng đất tại thị trấn Phong Thổ",
        "Rà soát, thống kê đất đai năm 2024",
        "Giải quyết kiến nghị của cử tri về ô nhiễm môi trường tại xã Bản Lang",
        "Thẩm định phương án giao đất rừng cho cộng đồng bản Sin Chải",
        "Xây dựng phương án quản lý khoáng sản chưa khai thác giai đoạn 2025–2027",
        "Tham mưu trả lời đơn kiến nghị về cấp đổi Giấy chứng nhận tại xã Dào San",
        "Thẩm định hồ sơ thu hồi đất thực hiện dự án thủy điện Nậm Xe",
    ],
    "PT-TCKH": [
        "Thẩm định dự toán ngân sách các xã, thị trấn năm 2025",
        "Tổng hợp báo cáo tình hình giải ngân vốn đầu tư công 6 tháng đầu năm 2025",
        "Cấp Giấy chứng nhận đăng ký hộ kinh doanh theo hồ sơ tiếp nhận tại Bộ phận một cửa",
        "Thẩm định quyết toán dự án hoàn thành nhà văn hóa xã Sì Lở Lầu",
        "Xây dựng kế hoạch đầu tư công trung hạn giai đoạn 2026–2030",
        "Thẩm định giá tài sản thanh lý của Văn phòng HĐND và UBND huyện",
        "Tham mưu phân bổ vốn Chương trình mục tiêu quốc gia giảm nghèo bền vững năm 2025",
        "Kiểm tra công tác quản lý tài chính, ngân sách xã Ma Li Pho",
    ],
    "PT-NV": [
        "Thẩm định hồ sơ đề nghị khen thưởng tổng kết năm học 2023–2024",
        "Xây dựng Kế hoạch kiểm tra công vụ năm 2025",
        "Tham mưu đánh giá, xếp loại chất lượng cán bộ, công chức năm 2024",
        "Thẩm định hồ sơ tuyển dụng viên chức giáo dục năm 2024",
        "Rà soát vị trí việc làm, biên chế các phòng chuyên môn",
        "Tham mưu sắp xếp đơn vị hành chính cấp xã giai đoạn 2023–2025",
    ],
    "PT-TP": [
        "Thẩm định dự thảo Quyết định ban hành quy chế làm việc của UBND huyện",
        "Giải quyết yêu cầu cấp bản sao trích lục hộ tịch",
        "Kiểm tra công tác đăng ký, quản lý hộ tịch tại các xã",
        "Tham mưu báo cáo công tác theo dõi thi hành pháp luật năm 2024",
    ],
    "PT-VP": [
        "Tổng hợp báo cáo kinh tế - xã hội tháng phục vụ phiên họp UBND huyện",
        "Trả lời kiến nghị của cử tri gửi tới kỳ họp HĐND huyện",
        "Rà soát, cập nhật thủ tục hành chính niêm yết tại Bộ phận một cửa",
        "Xây dựng Chương trình công tác năm 2025 của UBND huyện",
    ],
    "PT-KTHT": [
        "Thẩm định hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Kiểm tra chất lượng công trình cầu treo bản Hoang Thèn",
        "Thẩm định báo cáo kinh tế - kỹ thuật đường nội đồng xã Nậm Xe",
        "Xây dựng phương án bảo trì đường giao thông nông thôn năm 2025",
    ],
    "PT-LDTBXH": [
        "Giải quyết hồ sơ đề nghị trợ cấp xã hội hằng tháng",
        "Rà soát hộ nghèo, hộ cận nghèo năm 2024",
        "Thẩm định hồ sơ hỗ trợ nhà ở cho người có công",
    ],
    "PT-GDDT": [
        "Rà soát, sắp xếp mạng lưới trường lớp năm học 2024–2025",
        "Xây dựng kế hoạch tuyển sinh vào lớp 1, lớp 6 năm học 2025–2026",
        "Kiểm tra việc thực hiện chế độ bán trú tại các trường PTDT bán trú",
    ],
    "PT-VHTT": [
        "Thẩm định hồ sơ công nhận danh hiệu bản văn hóa năm 2024",
        "Kiểm tra hoạt động kinh doanh dịch vụ internet trên địa bàn thị trấn",
    ],
    "PT-X-MS": [
        "Giải quyết hồ sơ đăng ký khai sinh, khai tử quá hạn",
        "Xác nhận nguồn gốc đất cho hộ gia đình bản Mường So",
        "Báo cáo tiến độ thực hiện Chương trình MTQG giảm nghèo bền vững",
        "Hòa giải tranh chấp ranh giới đất giữa hai hộ tại bản Nà Củng",
    ],
    "PT-X-TT": [
        "Rà soát, lập danh sách đối tượng bảo trợ xã hội năm 2025",
        "Giải quyết phản ánh về trật tự đô thị tại khu chợ trung tâm",
    ],
    "PT-X-KL": [
        "Xác minh, báo cáo vụ sạt lở đất bản Lả Chải",
        "Tổ chức cấp đổi Giấy chứng nhận quyền sử dụng đất đợt 2",
    ],
    "PT-X-DS": ["Lập hồ sơ đề nghị hỗ trợ giống cây trồng vụ đông xuân"],
    "PT-X-BL": ["Kiểm tra, xử lý xây dựng không phép ven quốc lộ 4D"],
    "PT-TH-THCSTT": ["Rà soát hồ sơ chế độ chính sách học sinh bán trú học kỳ I"],
    "PT-TH-THMS": ["Kiểm kê, thanh lý tài sản, thiết bị dạy học hư hỏng"],
}
# Phòng TN&MT (the demo `head` and `staff` accounts) shows every case.
TNMT_KINDS = ["on_time", "on_time", "on_time_ext", "late", "late", "overdue", "overdue",
              "at_risk", "in_time", "live", "submitted", "on_time"]
OTHER_KINDS = (["on_time"] * 19 + ["late"] * 6 + ["overdue"] * 7 + ["overdue_ext"] + ["at_risk"] * 4
               + ["in_time"] * 4 + ["live"] * 4 + ["returned"])
STEP_TITLES = {
    1: ["Xử lý, dự thảo văn bản giải quyết"],
    2: ["Tiếp nhận, thẩm định hồ sơ", "Dự thảo văn bản, trình ký"],
    3: ["Tiếp nhận, kiểm tra hồ sơ", "Thẩm định, xác minh thực tế", "Dự thảo văn bản, trình ký, phát hành"],
}
EXTENSION_REASON = {
    "on_time_ext": "Chờ kết quả đo đạc, xác minh thực địa của Chi nhánh Văn phòng Đăng ký đất đai",
    "overdue_ext": "Hồ sơ phải bổ sung ý kiến của các xã liên quan; Chủ tịch UBND huyện đồng ý gia hạn",
}
RETURN_REASON = ("Nội dung thuộc thẩm quyền giải quyết của đơn vị; đề nghị đơn vị chủ động giải quyết theo "
                 "quy định, không trình UBND huyện (mục 2 Công văn triển khai Công điện 280/CĐ-TTg).")
AT_RISK_DUE = [date(2025, 6, 20), date(2025, 6, 23), date(2025, 6, 24)]  # < 3 working days left
IN_TIME_DUE = [date(2025, 6, 26), date(2025, 6, 27), date(2025, 6, 30)]


def _rand_date(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _schedule(world: World, kind: str) -> dict:
    """Dates of one task: received_on, deadline, legal/current due dates."""
    rng, cal = world.rng, world.calendar
    working = kind in ("on_time", "late", "overdue", "on_time_ext", "overdue_ext") and rng.random() < 0.4
    n = rng.choice([5, 7, 10, 15, 20]) if working else None
    days = rng.choice([10, 15, 20, 30, 45])
    window = {
        "on_time": (date(2023, 5, 10), date(2025, 5, 10)), "on_time_ext": (date(2024, 6, 1), date(2025, 3, 1)),
        "late": (date(2023, 5, 10), date(2025, 3, 31)), "overdue": (date(2024, 12, 1), date(2025, 5, 20)),
        "overdue_ext": (date(2025, 1, 6), date(2025, 3, 10)),
    }
    if kind in window:
        while True:
            received = _rand_date(rng, *window[kind])
            legal = cal.add_working_days(received, n) if n else cal.deadline_for_date(received + timedelta(days=days))
            if kind not in ("overdue", "overdue_ext") or legal < DEMO_TODAY - timedelta(days=14):
                break
    elif kind == "at_risk" or kind == "submitted":
        legal = rng.choice(AT_RISK_DUE if kind == "at_risk" else IN_TIME_DUE)
        received = legal - timedelta(days=rng.randint(7, 30))
    elif kind == "in_time":
        legal = rng.choice(IN_TIME_DUE)
        received = legal - timedelta(days=rng.randint(10, 40))
    elif kind == "returned":
        received = _rand_date(rng, date(2025, 3, 3), date(2025, 4, 15))
        legal = cal.deadline_for_date(received + timedelta(days=30))
    else:  # live: open and within its deadline even on the real clock
        received = _rand_date(rng, date(2025, 6, 2), date(2025, 6, 19))
        legal = cal.deadline_for_date(_rand_date(rng, date(2027, 1, 15), date(2027, 10, 29)))
    due = legal
    if kind.endswith("_ext"):
        due = legal + timedelta(days=rng.randint(10, 20))
        if kind == "overdue_ext":
            due = min(due, DEMO_TODAY - timedelta(days=5))
    return {"received": received, "kind_days": n, "legal": legal, "due": due}


def _office_time(world: World, day: date, *, not_before: date) -> date:
    """Move ``day`` back to a working day, not before ``not_before``."""
    while not world.calendar.is_working_day(day) and day > not_before:
        day -= timedelta(days=1)
    return day


def plan_task(world: World, code: str, unit_code: str, title: str, kind: str, steps_by: list[Staff]) -> dict:
    rng = world.rng
    s = _schedule(world, kind)
    received, due = s["received"], s["due"]
    completed = None
    if kind in ("on_time", "on_time_ext"):
        earliest = s["legal"] + timedelta(days=1) if kind == "on_time_ext" else received + timedelta(days=1)
        completed = _office_time(world, _rand_date(rng, min(earliest, due), min(due, DEMO_TODAY)), not_before=received)
    elif kind == "late":
        completed = _office_time(world, due + timedelta(days=rng.randint(2, 20)), not_before=due + timedelta(days=1))
    n_steps = rng.choice([1, 2, 2, 3, 3])
    span = (due - received).days
    steps = []
    done_until = {  # open tasks: steps due before this date are done
        "overdue": received + timedelta(days=span // 2), "overdue_ext": received + timedelta(days=span // 2),
        "at_risk": DEMO_TODAY, "in_time": DEMO_TODAY, "live": DEMO_TODAY,
        "submitted": due, "returned": due - timedelta(days=1),
    }.get(kind)
    for seq in range(1, n_steps + 1):
        step_due = due if seq == n_steps else received + timedelta(days=max(1, span * seq // n_steps))
        step_due = min(step_due, due)
        if completed is not None:
            part = (completed - received).days * seq // n_steps
            step_done = completed if seq == n_steps else received + timedelta(days=max(1, part))
        elif done_until is not None and step_due < done_until and step_due <= DEMO_TODAY:
            step_done = max(received, step_due - timedelta(days=rng.randint(0, 2)))
        else:
            step_done = None
        steps.append({
            "seq": seq, "title": STEP_TITLES[n_steps][seq - 1], "staff": steps_by[seq - 1], "due": step_due,
            "done": step_done,
        })
    status = {"submitted": "submitted", "returned": "returned"}.get(kind)
    if status is None:
        started = any(st["done"] for st in steps) or rng.random() < 0.6
        status = "done" if completed else ("in_progress" if started else "open")
    return {"code": code, "unit": unit_code, "title": title, "kind": kind, "status": status,
            "completed": completed, "steps": steps, "authority_self": rng.random() < 0.5, **s}


def _step_staff(world: World, unit_code: str, index: int) -> list[Staff]:
    """Three responsible people for up to three steps; in TN&MT the `staff` account's person leads step 1."""
    workers = world.members(unit_code, managers=False) or world.members(unit_code)
    managers = world.members(unit_code, managers=True)
    first = workers[0] if unit_code == "PT-TNMT" and index % 4 != 3 else workers[index % len(workers)]
    second = workers[(index + 1) % len(workers)]
    return [first, second, managers[-1] if managers else second]


def task_plan(world: World) -> list[dict]:
    rng = world.rng
    others = OTHER_KINDS[:]
    rng.shuffle(others)
    plans, n = [], 0
    for unit_code, titles in TITLES.items():
        for index, title in enumerate(titles):
            n += 1
            kind = TNMT_KINDS[index] if unit_code == "PT-TNMT" else others.pop()
            plans.append(plan_task(world, f"PT-T{n:03d}", unit_code, title, kind, _step_staff(world, unit_code, index)))
    return plans


def seed_tasks(session: Session, world: World) -> None:
    plans = task_plan(world)
    existing = {t.code: t for t in session.scalars(sa.select(Task).where(Task.code.like("PT-T%")))}
    district = world.units["PT"]
    leader = world.accounts.get("leader")
    creators = {"PT-TNMT": world.accounts.get("head"), "PT-TCKH": world.accounts.get("head2"),
                "PT-X-MS": world.accounts.get("commune")}
    for p in plans:
        task = existing.get(p["code"])
        if task is not None:
            world.tasks[p["code"]] = task
            continue
        unit = world.units[p["unit"]]
        escalated = p["kind"] in ("submitted", "returned")
        creator = creators.get(p["unit"])
        task = Task(
            code=p["code"], title=p["title"], lead_unit_id=unit.id,
            authority_unit_id=(unit.id if p["authority_self"] or escalated or unit.kind != "office" else district.id),
            owner_staff_id=world.head_of(p["unit"]).id, received_on=p["received"],
            deadline_kind="working_days" if p["kind_days"] else "date", deadline_working_days=p["kind_days"],
            legal_due_date=p["legal"], due_date=p["due"], status=p["status"],
            completed_at=at(p["completed"], 15, 30) if p["completed"] else None,
            completed_late=(p["completed"] > p["due"]) if p["completed"] else None,
            created_by_id=creator.id if creator else None,
            created_at=at(p["received"], 8, 15), updated_at=at(min(p["completed"] or DEMO_TODAY, DEMO_TODAY), 16),
        )
        if escalated:
            task.submitted_to_unit_id = district.id
            task.submitted_at = at(p["received"] + timedelta(days=5), 10)
            task.improper_escalation = True
            if p["kind"] == "returned":
                task.return_reason = RETURN_REASON
        for st in p["steps"]:
            task.steps.append(TaskStep(
                seq=st["seq"], title=st["title"], responsible_staff_id=st["staff"].id, due_date=st["due"],
                status="done" if st["done"] else "open",
                completed_at=at(st["done"], 11 + st["seq"], 0) if st["done"] else None,
                completed_late=(st["done"] > st["due"]) if st["done"] else None,
            ))
        if p["due"] != p["legal"]:
            task.extensions.append(TaskExtension(
                previous_due_date=p["legal"], new_due_date=p["due"], reason=EXTENSION_REASON[p["kind"]],
                granted_by_id=leader.id if leader else None, granted_at=at(p["legal"] - timedelta(days=2), 14),
            ))
        session.add(task)
        world.tasks[p["code"]] = task
    session.flush()
