"""Every admin screen, declared in one list.

A new table needs its model and one :class:`Entry` here to get its screens (list,
details, create, edit, delete, export, lookups), its cells in the permission
matrix (``resource``; seed them in ``seed.reference``) and its tests: the
generated permission test walks this list for every demo role. Without a view
class of its own the entry gets the generic :class:`PortalModelView`, scoped by
``portal.auth.scopes`` (by its ``unit_id`` if it has one).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..models import (
    Account, Acknowledgement, AuditLog, CalendarException, Commendation, CommendationTitle, Consultation,
    ConsultationRecipient, DeadlineIssue, Directive, DisciplinaryReview, DisciplineForm, Evidence, Finding,
    Inspection, InspectionTarget, JobTick, Notice, Permission, RatingLevel, Reassignment, Recommendation,
    Role, Sample, SampleItem, Staff, Task, TaskExtension, TaskStep, Unit, UnitFunction, UnitFunctionAssignment,
)
from . import guard
from .base import PortalModelView
from .labels import PAGE_RESOURCES
from .views import accounts, audit, consultations, directives, inspections, notices, org, proposals, reference
from .views import samples, tasks

# Menu categories: short, so that the whole menu bar holds on one line at 1366 px.
ORG, WORK, OVERSIGHT, PROPOSALS, DIRECTIVES, REFERENCE, SYSTEM = (
    "Tổ chức", "Nhiệm vụ", "Kiểm tra", "Thi đua, kỷ luật", "Chỉ đạo", "Danh mục", "Hệ thống",
)


@dataclass(frozen=True)
class Entry:
    """One screen: model, view class, menu name (Vietnamese) and category.

    ``resource`` defaults to the table name; ``endpoint`` to the resource (two
    screens over one resource need distinct endpoints).
    """

    model: type
    view: type[PortalModelView] = PortalModelView
    name: str = ""
    category: str = ""
    resource: str = ""
    endpoint: str = ""

    @property
    def resource_name(self) -> str:
        return self.resource or self.model.__tablename__

    @property
    def endpoint_name(self) -> str:
        return self.endpoint or self.model.__tablename__


ENTRIES: tuple[Entry, ...] = (
    Entry(Unit, org.UnitView, "Đơn vị", ORG),
    Entry(Staff, org.StaffView, "Cán bộ, công chức", ORG),
    Entry(UnitFunction, org.UnitFunctionView, "Chức năng đơn vị", ORG),
    Entry(UnitFunctionAssignment, org.UnitFunctionAssignmentView, "Giao chức năng", ORG, resource="unit_function"),
    Entry(Task, tasks.TaskView, "Nhiệm vụ", WORK),
    Entry(TaskStep, tasks.TaskStepView, "Bước xử lý", WORK),
    Entry(TaskExtension, tasks.TaskExtensionView, "Gia hạn", WORK),
    Entry(Consultation, consultations.ConsultationView, "Lấy ý kiến", WORK),
    Entry(ConsultationRecipient, consultations.ConsultationRecipientView, "Ý kiến các cơ quan", WORK),
    Entry(DeadlineIssue, consultations.DeadlineIssueView, "Văn bản trao đổi thời hạn", WORK),
    Entry(Notice, notices.NoticeView, "Thông báo, báo cáo", WORK),
    Entry(Inspection, inspections.InspectionView, "Cuộc kiểm tra", OVERSIGHT),
    Entry(Finding, inspections.FindingView, "Kết quả kiểm tra", OVERSIGHT),
    Entry(Recommendation, inspections.RecommendationView, "Kiến nghị", OVERSIGHT),
    Entry(Sample, samples.SampleView, "Mẫu ngẫu nhiên", OVERSIGHT),
    Entry(SampleItem, samples.SampleItemView, "Phần tử mẫu", OVERSIGHT, resource="sample"),
    Entry(Commendation, proposals.CommendationView, "Khen thưởng", PROPOSALS),
    Entry(Reassignment, proposals.ReassignmentView, "Điều chuyển, thay thế", PROPOSALS),
    Entry(DisciplinaryReview, proposals.DisciplinaryReviewView, "Kiểm điểm, kỷ luật", PROPOSALS),
    Entry(Evidence, proposals.EvidenceView, "Căn cứ đề xuất", PROPOSALS),
    Entry(Directive, directives.DirectiveView, "Văn bản chỉ đạo", DIRECTIVES),
    Entry(Acknowledgement, directives.AcknowledgementView, "Quán triệt", DIRECTIVES),
    Entry(DisciplineForm, reference.DisciplineFormView, "Hình thức kỷ luật", REFERENCE),
    Entry(CommendationTitle, reference.CommendationTitleView, "Hình thức khen thưởng", REFERENCE),
    Entry(RatingLevel, reference.RatingLevelView, "Mức xếp loại", REFERENCE),
    Entry(CalendarException, reference.CalendarExceptionView, "Ngày nghỉ, làm bù", REFERENCE),
    Entry(Account, accounts.AccountView, "Tài khoản", SYSTEM),
    Entry(Role, accounts.RoleView, "Vai trò", SYSTEM),
    Entry(Permission, accounts.PermissionView, "Phân quyền", SYSTEM),
    Entry(AuditLog, audit.AuditLogView, "Nhật ký kiểm toán", SYSTEM),
    Entry(JobTick, audit.JobTickView, "Lượt chạy định kỳ", SYSTEM),
)

#: Tables edited only inline within their parent's screen: (model, resource, name).
INLINE_ONLY: tuple[tuple[type, str, str], ...] = (
    (InspectionTarget, "inspection", "Đơn vị được kiểm tra"),
)


def resource_names() -> dict[str, str]:
    """Resource → Vietnamese name (first screen of each resource names it)."""
    names: dict[str, str] = {}
    for entry in ENTRIES:
        names.setdefault(entry.resource_name, entry.name)
    return names


def register_resources() -> None:
    """Tell the save guard which resource (and name) each model belongs to."""
    for entry in ENTRIES:
        guard.RESOURCES_BY_MODEL[entry.model] = entry.resource_name
        guard.NAMES_BY_MODEL[entry.model] = entry.name
    for model, resource, name in INLINE_ONLY:
        guard.RESOURCES_BY_MODEL[model] = resource
        guard.NAMES_BY_MODEL[model] = name
    guard.RESOURCE_LABELS.clear()
    guard.RESOURCE_LABELS.update(resource_names())
    for resource, name in PAGE_RESOURCES.items():
        guard.RESOURCE_LABELS.setdefault(resource, name)


def build_views() -> list[PortalModelView]:
    """One fresh view per entry (views hold per-app state: build them per app)."""
    register_resources()
    return [
        entry.view(entry.model, name=entry.name, category=entry.category,
                   endpoint=entry.endpoint_name, resource=entry.resource_name)
        for entry in ENTRIES
    ]
