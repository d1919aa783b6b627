"""ORM models, one module per aggregate; importing this package registers them all."""
from .auth import Account, Permission, Role
from .consultation import Consultation, ConsultationRecipient, DeadlineIssue
from .directive import Acknowledgement, Directive
from .inspection import Finding, Inspection, InspectionTarget, Recommendation, Sample, SampleItem
from .notice import Notice
from .ops import AuditLog, JobTick
from .org import Staff, Unit, UnitFunction, UnitFunctionAssignment
from .proposals import Commendation, DisciplinaryReview, Evidence, Reassignment
from .reference import CalendarException, CommendationTitle, DisciplineForm, RatingLevel
from .task import Task, TaskExtension, TaskStep
from . import guards, unit_tree  # noqa: F401  (cross-row rules and tree invariants)
from . import search  # noqa: F401  (search indexes; after the models they index)

__all__ = [
    "Account", "Acknowledgement", "AuditLog", "CalendarException", "Commendation",
    "CommendationTitle", "Consultation", "ConsultationRecipient", "DeadlineIssue",
    "Directive", "DisciplinaryReview", "DisciplineForm", "Evidence", "Finding",
    "Inspection", "InspectionTarget", "JobTick", "Notice", "Permission", "RatingLevel",
    "Reassignment", "Recommendation", "Role", "Sample", "SampleItem", "Staff", "Task",
    "TaskExtension", "TaskStep", "Unit", "UnitFunction", "UnitFunctionAssignment",
]
