"""Reference data with effective dates (DOMAIN.md "Reference data") and the default
permission matrix.

Everything here is inserted idempotently: each row is looked up by its natural key
and only missing rows are added, so administrators' later edits of names or texts
are kept. ``seed_reference`` returns the number of rows it created.

Discipline forms: the rows for one (staff_category, for_managers) pair are the
*complete* list of forms for that group of people on a given day. Công chức and
viên chức have separate lists for managers (``for_managers`` True: công chức lãnh
đạo, quản lý / viên chức quản lý) and for the others. Cán bộ hold elected or
appointed posts and have one list (``for_managers`` False) that applies to all of
them, so a lookup is: rows of the category with ``for_managers = is_manager``,
falling back to ``for_managers = False`` when the category has no manager list.
Người lao động are disciplined under the Labour Code, not these decrees: no rows.
``severity`` orders forms from lightest (1) to heaviest.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import (
    CommendationTitle,
    DisciplineForm,
    Permission,
    RatingLevel,
    Role,
    UnitFunction,
)
from portal.models import enums
from portal.extensions import db

# ---------------------------------------------------------------- unit functions
UNIT_FUNCTIONS = {
    "inspection_lead": "Chủ trì kiểm tra công vụ",
    "home_affairs": "Quản lý nhà nước về nội vụ",
    "emulation": "Thi đua, khen thưởng",
}

# ---------------------------------------------------------------- discipline forms
DISCIPLINE_NAMES = {
    "khien_trach": "Khiển trách",
    "canh_cao": "Cảnh cáo",
    "ha_bac_luong": "Hạ bậc lương",
    "giang_chuc": "Giáng chức",
    "cach_chuc": "Cách chức",
    "bai_nhiem": "Bãi nhiệm",
    "buoc_thoi_viec": "Buộc thôi việc",
}
DISCIPLINE_SEVERITY = {code: rank for rank, code in enumerate(DISCIPLINE_NAMES, start=1)}

ND112 = "Nghị định 112/2020/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 71/2023/NĐ-CP"
ND172 = "Nghị định 172/2025/NĐ-CP"
ND112_FROM = date(2020, 9, 18)  # date of NĐ 112/2020
ND112_TO = date(2025, 6, 30)  # cán bộ, công chức: replaced by NĐ 172/2025 from 1/7/2025
ND172_FROM = date(2025, 7, 1)

# (staff_category, for_managers, codes, legal_basis, valid_from, valid_to)
DISCIPLINE_SETS: list[tuple[str, bool, tuple[str, ...], str, date, date | None]] = [
    ("can_bo", False, ("khien_trach", "canh_cao", "cach_chuc", "bai_nhiem"), ND112, ND112_FROM, ND112_TO),
    ("cong_chuc", False, ("khien_trach", "canh_cao", "ha_bac_luong", "buoc_thoi_viec"), ND112, ND112_FROM, ND112_TO),
    ("cong_chuc", True, ("khien_trach", "canh_cao", "giang_chuc", "cach_chuc", "buoc_thoi_viec"),
     ND112, ND112_FROM, ND112_TO),
    ("can_bo", False, ("khien_trach", "canh_cao", "cach_chuc", "bai_nhiem"), ND172, ND172_FROM, None),
    ("cong_chuc", False, ("khien_trach", "canh_cao", "buoc_thoi_viec"), ND172, ND172_FROM, None),
    ("cong_chuc", True, ("khien_trach", "canh_cao", "cach_chuc", "buoc_thoi_viec"), ND172, ND172_FROM, None),
    # Viên chức stay under NĐ 112/2020 (as amended); NĐ 172/2025 covers cán bộ, công chức only.
    ("vien_chuc", False, ("khien_trach", "canh_cao", "buoc_thoi_viec"), ND112, ND112_FROM, None),
    ("vien_chuc", True, ("khien_trach", "canh_cao", "cach_chuc", "buoc_thoi_viec"), ND112, ND112_FROM, None),
]

# ---------------------------------------------------------------- commendations
LUAT_TDKT = "Luật Thi đua, khen thưởng 2022"
LUAT_TDKT_FROM = date(2024, 1, 1)
# code: (name, target, awarding authority)
COMMENDATION_TITLES = {
    "giay_khen": (
        "Giấy khen", "both",
        "Chủ tịch UBND cấp huyện, cấp xã; Thủ trưởng cơ quan, đơn vị trực thuộc",
    ),
    "bang_khen": ("Bằng khen", "both", "Chủ tịch UBND cấp tỉnh"),
    "lao_dong_tien_tien": (
        "Lao động tiên tiến", "person", "Thủ trưởng cơ quan, đơn vị; Chủ tịch UBND cấp huyện, cấp xã",
    ),
    "chien_si_thi_dua_co_so": ("Chiến sĩ thi đua cơ sở", "person", "Chủ tịch UBND cấp huyện"),
    "tap_the_lao_dong_tien_tien": ("Tập thể lao động tiên tiến", "unit", "Chủ tịch UBND cấp huyện"),
    "tap_the_lao_dong_xuat_sac": ("Tập thể lao động xuất sắc", "unit", "Chủ tịch UBND cấp tỉnh"),
}

# ---------------------------------------------------------------- annual rating
RATING_BASIS = "Nghị định 90/2020/NĐ-CP, sửa đổi, bổ sung bởi Nghị định 48/2023/NĐ-CP"
RATING_FROM = date(2020, 8, 13)  # date of NĐ 90/2020
RATING_LEVELS = {
    "hoan_thanh_xuat_sac": ("Hoàn thành xuất sắc nhiệm vụ", 1),
    "hoan_thanh_tot": ("Hoàn thành tốt nhiệm vụ", 2),
    "hoan_thanh": ("Hoàn thành nhiệm vụ", 3),
    "khong_hoan_thanh": ("Không hoàn thành nhiệm vụ", 4),
}

# ---------------------------------------------------------------- permission matrix
RESOURCES: tuple[str, ...] = (
    "unit", "unit_function", "staff", "account", "role", "permission",
    "task", "task_step", "task_extension",
    "consultation", "consultation_recipient", "deadline_issue", "notice",
    "inspection", "sample", "finding", "recommendation",
    "commendation", "reassignment", "disciplinary_review", "evidence",
    "directive", "acknowledgement",
    "discipline_form", "commendation_title", "rating_level", "calendar_exception",
    "audit_log", "job_tick", "sweep", "queue", "periodic_report",
)
SYSTEM = ("audit_log", "job_tick")
# Pages rather than tables: granted one by one below.
PAGES = ("sweep", "queue", "periodic_report")
PROPOSALS = ("commendation", "reassignment", "disciplinary_review")
REFERENCE = ("unit_function", "discipline_form", "commendation_title", "rating_level", "calendar_exception")
# Records of the accountability work itself (what inspectors look at).
OPERATIONAL = (
    "unit", "staff", "task", "task_step", "task_extension",
    "consultation", "consultation_recipient", "deadline_issue", "notice",
    "inspection", "sample", "finding", "recommendation",
    *PROPOSALS, "evidence", "directive", "acknowledgement",
)
RECORD_KEEPING = frozenset({"view", "create", "edit", "delete", "export"})


def _build_default_permissions() -> dict[str, dict[str, set[str]]]:
    """role → resource → actions. Anything absent is denied (deny by default).

    * admin keeps the records (everything but approve and sample: leadership
      decides, inspectors draw samples); the audit log and job ticks are view-only.
    * leadership sees and exports everything, decides proposals, issues directives.
    * inspector sees all operational and reference records, runs inspections,
      draws samples, records findings and recommendations.
    * unit_head runs the work of their unit (row scope is enforced elsewhere):
      tasks, steps, extensions, consultations and their answers, deadline issues;
      keeps staff records; proposes commendations, reassignments and reviews.
    * staff see their tasks, update their own steps, acknowledge directives.
    """
    m: dict[str, dict[str, set[str]]] = {role: {} for role in enums.ROLES}

    def grant(role: str, resources: tuple[str, ...] | list[str], *actions: str) -> None:
        for resource in resources:
            m[role].setdefault(resource, set()).update(actions)

    non_system = [r for r in RESOURCES if r not in SYSTEM and r not in PAGES]
    grant("admin", non_system, *sorted(RECORD_KEEPING))
    grant("admin", SYSTEM, "view")

    grant("leadership", non_system, "view", "export")
    grant("leadership", ("audit_log",), "view")
    grant("leadership", PROPOSALS, "approve")
    grant("leadership", ("directive",), "create")

    grant("inspector", OPERATIONAL + REFERENCE, "view", "export")
    grant("inspector", ("inspection", "finding", "recommendation"), "create", "edit")
    grant("inspector", ("sample",), "sample")

    grant("unit_head", ("task", "task_step", "task_extension", "consultation",
                        "consultation_recipient", "deadline_issue"), "view", "create", "edit")
    grant("unit_head", ("task", "consultation"), "export")
    grant("unit_head", ("staff",), "view", "edit")
    grant("unit_head", PROPOSALS + ("evidence",), "view", "create")
    grant("unit_head", ("notice", "directive", "acknowledgement", "unit",
                        "inspection", "finding", "recommendation") + REFERENCE, "view")

    # Pages of the background work: the sweep on demand, the queue monitor.
    grant("admin", ("sweep",), "view", "create")
    grant("leadership", ("sweep",), "view", "create")
    grant("inspector", ("sweep",), "view")
    grant("admin", ("queue",), "view", "edit")
    # The periodic report (directive item 3): unit heads see their own subtree only
    # (checked with the row scope); "create" issues a missed monthly report now.
    grant("admin", ("periodic_report",), "view", "export", "create")
    grant("leadership", ("periodic_report",), "view", "export", "create")
    grant("inspector", ("periodic_report",), "view", "export")
    grant("unit_head", ("periodic_report",), "view", "export")

    grant("staff", ("task", "notice", "directive"), "view")
    grant("staff", ("task_step",), "view", "edit")
    grant("staff", ("acknowledgement",), "view", "create")
    return m


DEFAULT_PERMISSIONS: dict[str, dict[str, set[str]]] = _build_default_permissions()


# ---------------------------------------------------------------- seeding
def count_rows(session: Session) -> int:
    """Rows in every data table (the audit log, which records the seeding itself, is not counted)."""
    total = 0
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_log", "job_tick"):
            continue
        total += session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return total


def _seed_roles(session: Session) -> dict[str, Role]:
    roles = {r.code: r for r in session.scalars(sa.select(Role))}
    for code, name in enums.ROLES.items():
        if code not in roles:
            roles[code] = Role(code=code, name=name)
            session.add(roles[code])
    session.flush()
    return roles


def _seed_unit_functions(session: Session) -> None:
    have = set(session.scalars(sa.select(UnitFunction.code)))
    for code, name in UNIT_FUNCTIONS.items():
        if code not in have:
            session.add(UnitFunction(code=code, name=name))


def _seed_discipline_forms(session: Session) -> None:
    have = set(session.execute(sa.select(
        DisciplineForm.code, DisciplineForm.staff_category, DisciplineForm.for_managers, DisciplineForm.valid_from,
    )).tuples())
    for category, managers, codes, basis, valid_from, valid_to in DISCIPLINE_SETS:
        for code in codes:
            if (code, category, managers, valid_from) in have:
                continue
            session.add(DisciplineForm(
                code=code, name=DISCIPLINE_NAMES[code], staff_category=category, for_managers=managers,
                severity=DISCIPLINE_SEVERITY[code], legal_basis=basis,
                valid_from=valid_from, valid_to=valid_to,
            ))


def _seed_commendation_titles(session: Session) -> None:
    have = set(session.execute(sa.select(CommendationTitle.code, CommendationTitle.valid_from)).tuples())
    for code, (name, target, authority) in COMMENDATION_TITLES.items():
        if (code, LUAT_TDKT_FROM) not in have:
            session.add(CommendationTitle(
                code=code, name=name, target=target, awarding_authority=authority,
                legal_basis=LUAT_TDKT, valid_from=LUAT_TDKT_FROM,
            ))


def _seed_rating_levels(session: Session) -> None:
    have = set(session.execute(sa.select(RatingLevel.code, RatingLevel.valid_from)).tuples())
    for code, (name, rank) in RATING_LEVELS.items():
        if (code, RATING_FROM) not in have:
            session.add(RatingLevel(code=code, name=name, rank=rank, legal_basis=RATING_BASIS, valid_from=RATING_FROM))


def _seed_permissions(session: Session, roles: dict[str, Role]) -> None:
    """The default matrix is written once per role: a role that already has cells is
    left alone, so re-seeding never restores a permission an administrator removed."""
    seeded = set(session.scalars(sa.select(Role.code).join(Permission, Permission.role_id == Role.id)).all())
    for role_code, resources in DEFAULT_PERMISSIONS.items():
        if role_code in seeded:
            continue
        for resource in sorted(resources):
            for action in sorted(resources[resource]):
                session.add(Permission(role_id=roles[role_code].id, resource=resource, action=action))


def seed_reference(session: Session) -> int:
    """Insert the missing reference rows and permission cells; return how many were created."""
    before = count_rows(session)
    roles = _seed_roles(session)
    _seed_unit_functions(session)
    _seed_discipline_forms(session)
    _seed_commendation_titles(session)
    _seed_rating_levels(session)
    _seed_permissions(session, roles)
    session.flush()
    return count_rows(session) - before
