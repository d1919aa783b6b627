"""The directive's own world: Lai Châu → Phong Thổ district, its offices, schools,
communes and about 150 staff with plausible names.

Every row has a stable business key (unit code, staff code) so a second run finds
what the first one made and creates nothing.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Account, Staff, Unit, UnitFunction, UnitFunctionAssignment
from portal.services.workdays import TZ, WorkCalendar

FOUNDED = date(2004, 1, 1)  # Lai Châu and Phong Thổ in today's borders (NQ 22/2003/QH11)
#: The demo's "today": statuses (on time, late, in time, at risk, overdue) are set relative to it.
DEMO_TODAY = date(2025, 6, 20)
#: (day, kind, reason) entered by administrators; the working-day counts of the demo honour them.
CALENDAR_EXCEPTIONS = [
    (date(2025, 4, 26), "working_day", "Làm bù cho ngày 02/5/2025"),
    (date(2024, 12, 30), "day_off", "Nghỉ bổ sung theo thông báo của UBND huyện (dữ liệu mẫu)"),
]


def demo_calendar() -> WorkCalendar:
    return WorkCalendar(
        extra_days_off=[d for d, kind, _ in CALENDAR_EXCEPTIONS if kind == "day_off"],
        makeup_working_days=[d for d, kind, _ in CALENDAR_EXCEPTIONS if kind == "working_day"],
    )


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Asia/Ho_Chi_Minh) office-hours instant on ``day``, as aware UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(timezone.utc)


def deadline_end(day: date) -> datetime:
    """24:00 local time of ``day``, i.e. 17:00 UTC that day."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=TZ).astimezone(timezone.utc)


@dataclass
class World:
    """What the demo modules share: the rng and the rows by business key."""

    rng: random.Random
    units: dict[str, Unit] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    staff_by_unit: dict[str, list[Staff]] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    calendar: WorkCalendar = field(default_factory=demo_calendar)
    tasks: dict[str, Any] = field(default_factory=dict)
    consultations: dict[str, Any] = field(default_factory=dict)
    # (consultation code, unit code) -> ConsultationRecipient
    recipients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def members(self, unit_code: str, *, managers: bool | None = None, active: bool = True) -> list[Staff]:
        rows = self.staff_by_unit.get(unit_code, [])
        return [
            s for s in rows
            if (managers is None or s.is_manager == managers) and (not active or s.status == "active")
        ]

    def head_of(self, unit_code: str) -> Staff:
        return self.members(unit_code, managers=True)[0]


# (code, name, short_name, kind, parent code, place, valid_to)
OFFICES = [
    ("PT-VP", "Văn phòng HĐND và UBND huyện Phong Thổ", "VP HĐND-UBND"),
    ("PT-NV", "Phòng Nội vụ huyện Phong Thổ", "Phòng Nội vụ"),
    ("PT-TCKH", "Phòng Tài chính - Kế hoạch huyện Phong Thổ", "Phòng TC-KH"),
    ("PT-TNMT", "Phòng Tài nguyên và Môi trường huyện Phong Thổ", "Phòng TN&MT"),
    ("PT-GDDT", "Phòng Giáo dục và Đào tạo huyện Phong Thổ", "Phòng GD&ĐT"),
    ("PT-TP", "Phòng Tư pháp huyện Phong Thổ", "Phòng Tư pháp"),
    ("PT-KTHT", "Phòng Kinh tế - Hạ tầng huyện Phong Thổ", "Phòng KT-HT"),
    ("PT-LDTBXH", "Phòng Lao động - Thương binh và Xã hội huyện Phong Thổ", "Phòng LĐ-TB&XH"),
    ("PT-VHTT", "Phòng Văn hóa và Thông tin huyện Phong Thổ", "Phòng VH&TT"),
]
# A closed unit, so that history with validity dates is visible in the demo.
CLOSED_OFFICE = ("PT-YT", "Phòng Y tế huyện Phong Thổ", "Phòng Y tế", date(2025, 2, 28))
SCHOOLS = [
    ("PT-TH-THCSTT", "Trường THCS thị trấn Phong Thổ", "THCS TT Phong Thổ", "Thị trấn Phong Thổ"),
    ("PT-TH-THMS", "Trường Tiểu học Mường So", "TH Mường So", "Mường So"),
    ("PT-TH-MNKL", "Trường Mầm non Khổng Lào", "MN Khổng Lào", "Khổng Lào"),
    ("PT-TH-THCSBL", "Trường PTDT bán trú THCS Bản Lang", "THCS Bản Lang", "Bản Lang"),
    ("PT-TH-THDS", "Trường Tiểu học Dào San", "TH Dào San", "Dào San"),
    ("PT-TH-MNTT", "Trường Mầm non thị trấn Phong Thổ", "MN TT Phong Thổ", "Thị trấn Phong Thổ"),
]
COMMUNES = [
    ("PT-X-TT", "thị trấn Phong Thổ"), ("PT-X-MS", "xã Mường So"), ("PT-X-KL", "xã Khổng Lào"),
    ("PT-X-BL", "xã Bản Lang"), ("PT-X-DS", "xã Dào San"), ("PT-X-SLL", "xã Sì Lở Lầu"),
    ("PT-X-MLP", "xã Ma Li Pho"), ("PT-X-HT", "xã Hoang Thèn"), ("PT-X-NX", "xã Nậm Xe"),
    ("PT-X-SSH", "xã Sin Suối Hồ"), ("PT-X-MSS", "xã Mồ Sì San"), ("PT-X-PVS", "xã Pa Vây Sử"),
    ("PT-X-VMC", "xã Vàng Ma Chải"), ("PT-X-TQL", "xã Tung Qua Lìn"), ("PT-X-MSG", "xã Mù Sang"),
    ("PT-X-HL", "xã Huổi Luông"), ("PT-X-LNT", "xã Lản Nhì Thàng"),
]


def unit_specs() -> list[tuple[str, str, str | None, str, str | None, str | None, date | None]]:
    specs: list[tuple[str, str, str | None, str, str | None, str | None, date | None]] = [
        ("LC", "UBND tỉnh Lai Châu", "UBND tỉnh", "province", None, "Lai Châu", None),
        ("PT", "UBND huyện Phong Thổ", "UBND huyện", "district", "LC", "Phong Thổ", None),
    ]
    specs += [(code, name, short, "office", "PT", "Phong Thổ", None) for code, name, short in OFFICES]
    code, name, short, closed = CLOSED_OFFICE
    specs.append((code, name, short, "office", "PT", "Phong Thổ", closed))
    specs += [(code, name, short, "school", "PT-GDDT", place, None) for code, name, short, place in SCHOOLS]
    for code, name in COMMUNES:
        place = name.removeprefix("xã ").removeprefix("thị trấn ").strip()
        specs.append((code, f"UBND {name}", f"UBND {name}", "commune", "PT", place.title(), None))
    return specs


def seed_units(session: Session, world: World) -> None:
    """Insert missing units; ids are needed for the materialised path, so flush first."""
    existing = {u.code: u for u in session.scalars(sa.select(Unit).where(Unit.code.in_([s[0] for s in unit_specs()])))}
    for code, name, short, kind, parent_code, place, valid_to in unit_specs():
        unit = existing.get(code)
        if unit is None:
            parent = world.units[parent_code] if parent_code else None
            unit = Unit(
                code=code, name=name, short_name=short, kind=kind, parent=parent, path="/",
                depth=0 if parent is None else parent.depth + 1, place=place,
                valid_from=FOUNDED, valid_to=valid_to,
            )
            session.add(unit)
            session.flush()
            unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        world.units[code] = unit
    session.flush()


def seed_functions(session: Session, world: World) -> None:
    """Phòng Nội vụ leads public-duty inspections, home affairs and emulation (item 9)."""
    functions = {f.code: f for f in session.scalars(sa.select(UnitFunction))}
    unit = world.units["PT-NV"]
    have = set(session.scalars(
        sa.select(UnitFunctionAssignment.function_id).where(UnitFunctionAssignment.unit_id == unit.id)
    ))
    for code in ("inspection_lead", "home_affairs", "emulation"):
        function = functions[code]
        if function.id not in have:
            session.add(UnitFunctionAssignment(unit_id=unit.id, function_id=function.id, valid_from=FOUNDED))


# ------------------------------------------------------------------ people
KINH_SURNAMES = ["Nguyễn"] * 6 + ["Trần"] * 3 + ["Lê"] * 3 + ["Phạm", "Phạm", "Hoàng", "Hoàng", "Vũ", "Đặng",
                                                           "Bùi", "Đỗ", "Ngô", "Dương", "Đinh", "Lương"]
KINH_MIDDLE_M = ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công", "Thanh", "Ngọc", "Mạnh"]
KINH_MIDDLE_F = ["Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Hồng", "Minh", "Phương", "Kim"]
KINH_GIVEN_M = ["Trung", "Hùng", "Dũng", "Cường", "Tuấn", "Hải", "Long", "Sơn", "Thắng", "Phong", "Minh",
                "Quân", "Hiếu", "Đạt", "Khánh", "Thành", "Nam", "Bình", "Toàn", "Huy", "Kiên", "Việt"]
KINH_GIVEN_F = ["Lan", "Hoa", "Hương", "Mai", "Thảo", "Hằng", "Ngọc", "Dung", "Huyền", "Trang", "Nga",
                "Xuân", "Yến", "Linh", "Phương", "Hạnh", "Thủy", "Vân", "Loan", "Nhung", "Oanh", "Tâm"]
# Lai Châu is home to Thái, Hmông, Dao … families; their names are common in communes.
# group: (surnames, male middle names, female middle names, male given names, female given names)
LOCAL_GROUPS = {
    "thai": (["Lò", "Lò", "Tao", "Lường", "Điêu"], ["Văn"], ["Thị"],
             ["Inh", "Phom", "Xiêng", "Ánh", "Chính", "Pánh"], ["Hương", "Xuân", "Ín", "Ơn", "Lả", "Hoa"]),
    "hmong": (["Giàng", "Vàng", "Sùng", "Lầu", "Thào"], ["A"], ["Thị", "Mí"],
              ["Páo", "Chá", "Dơ", "Chứ", "Sử", "Vư", "Hừ"], ["Mai", "Sua", "Pà", "Dung", "Chi", "Dế"]),
    "dao": (["Tẩn", "Lý", "Phàn", "Chảo"], ["Seo", "Láo", "Văn"], ["Thị", "Mẩy"],
            ["Phìn", "Chản", "Sáng", "Dín", "Lử", "Tả", "Chinh"], ["Mẩy", "Sểnh", "Mai", "Dung", "Xuân"]),
}


def person_name(rng: random.Random, *, local: bool, female: bool) -> str:
    if local:
        surnames, middle_m, middle_f, given_m, given_f = LOCAL_GROUPS[rng.choice(sorted(LOCAL_GROUPS))]
        middle, given = (middle_f, given_f) if female else (middle_m, given_m)
        return f"{rng.choice(surnames)} {rng.choice(middle)} {rng.choice(given)}"
    middle, given = (KINH_MIDDLE_F, KINH_GIVEN_F) if female else (KINH_MIDDLE_M, KINH_GIVEN_M)
    return f"{rng.choice(KINH_SURNAMES)} {rng.choice(middle)} {rng.choice(given)}"


def ascii_slug(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


# (position, category, is_manager)
CV = ("Chuyên viên", "cong_chuc", False)
OFFICE_STAFFING = {
    "PT-VP": [("Chánh Văn phòng", "cong_chuc", True), ("Phó Chánh Văn phòng", "cong_chuc", True), CV, CV, CV,
              ("Văn thư viên", "cong_chuc", False), ("Lái xe", "nguoi_lao_dong", False),
              ("Nhân viên bảo vệ", "nguoi_lao_dong", False)],
    "PT-NV": [("Trưởng phòng", "cong_chuc", True), ("Phó Trưởng phòng", "cong_chuc", True), CV, CV, CV, CV],
    "PT-TCKH": [("Trưởng phòng", "cong_chuc", True), ("Phó Trưởng phòng", "cong_chuc", True), CV, CV, CV, CV],
    "PT-TNMT": [("Trưởng phòng", "cong_chuc", True), ("Phó Trưởng phòng", "cong_chuc", True), CV, CV, CV, CV, CV],
    "PT-GDDT": [("Trưởng phòng", "cong_chuc", True), ("Phó Trưởng phòng", "cong_chuc", True), CV, CV, CV],
    "PT-TP": [("Trưởng phòng", "cong_chuc", True), CV, CV, CV],
    "PT-KTHT": [("Trưởng phòng", "cong_chuc", True), ("Phó Trưởng phòng", "cong_chuc", True), CV, CV, CV],
    "PT-LDTBXH": [("Trưởng phòng", "cong_chuc", True), ("Phó Trưởng phòng", "cong_chuc", True), CV, CV, CV],
    "PT-VHTT": [("Trưởng phòng", "cong_chuc", True), CV, CV, CV],
    "PT-YT": [("Trưởng phòng", "cong_chuc", True), CV],
}
SCHOOL_STAFFING = [("Hiệu trưởng", "vien_chuc", True), ("Phó Hiệu trưởng", "vien_chuc", True),
                   ("Giáo viên", "vien_chuc", False), ("Giáo viên", "vien_chuc", False)]
COMMUNE_OFFICIALS = ["Công chức Văn phòng - Thống kê", "Công chức Địa chính - Xây dựng",
                     "Công chức Tư pháp - Hộ tịch", "Công chức Tài chính - Kế toán",
                     "Công chức Văn hóa - Xã hội"]


def staffing_plan(rng: random.Random) -> list[dict]:
    """Every staff row to exist, in a fixed order (so codes and names are stable)."""
    plan: list[tuple[str, str, str, bool, str | None]] = [
        ("PT", "Chủ tịch UBND huyện", "can_bo", True, "Trần Bảo Trung"),
        ("PT", "Phó Chủ tịch UBND huyện", "can_bo", True, None),
        ("PT", "Phó Chủ tịch UBND huyện", "can_bo", True, None),
    ]
    for code, *_ in OFFICES + [CLOSED_OFFICE]:
        plan += [(code, pos, cat, mgr, None) for pos, cat, mgr in OFFICE_STAFFING[code]]
    for index, (code, *_rest) in enumerate(SCHOOLS):
        extra = [("Nhân viên kế toán", "vien_chuc", False)] if index % 2 == 0 else []
        if index == 1:
            extra = [("Nhân viên bảo vệ", "nguoi_lao_dong", False)]
        plan += [(code, pos, cat, mgr, None) for pos, cat, mgr in SCHOOL_STAFFING + extra]
    for code, name in COMMUNES:
        level = "thị trấn" if name.startswith("thị trấn") else "xã"
        plan.append((code, f"Chủ tịch UBND {level}", "can_bo", True, None))
        plan.append((code, f"Phó Chủ tịch UBND {level}", "can_bo", True, None))
        officials = COMMUNE_OFFICIALS if code == "PT-X-MS" else COMMUNE_OFFICIALS[:2]
        plan += [(code, pos, "cong_chuc", False, None) for pos in officials]

    rows: list[dict] = []
    used: set[str] = set()
    for n, (unit_code, position, category, manager, fixed_name) in enumerate(plan, start=1):
        local = rng.random() < (0.6 if unit_code.startswith("PT-X-") else 0.15)
        female = rng.random() < (0.75 if category == "vien_chuc" else 0.4)
        name = fixed_name
        while name is None or (fixed_name is None and name in used):
            name = person_name(rng, local=local, female=female)
        used.add(name)
        status = "active"
        if unit_code == "PT-YT":
            status = "transferred"
        elif n % 47 == 0 and not manager:
            status = "on_leave"
        parts = ascii_slug(name).split()
        rows.append({
            "code": f"PT-S{n:04d}", "full_name": name, "category": category, "position": position,
            "is_manager": manager, "unit_code": unit_code, "status": status,
            "email": f"{''.join(p[0] for p in parts[:-1])}{parts[-1]}.{n:04d}@laichau.gov.vn",
            "phone": f"0213{rng.randint(3_800_000, 3_899_999)}",
        })
    return rows


def seed_staff(session: Session, world: World) -> None:
    plan = staffing_plan(world.rng)
    existing = {s.code: s for s in session.scalars(sa.select(Staff).where(Staff.code.like("PT-S%")))}
    for row in plan:
        staff = existing.get(row["code"])
        if staff is None:
            values = {k: v for k, v in row.items() if k != "unit_code"}
            staff = Staff(unit_id=world.units[row["unit_code"]].id, **values)
            session.add(staff)
        world.staff[row["code"]] = staff
        world.staff_by_unit.setdefault(row["unit_code"], []).append(staff)
    session.flush()
