"""What the report page reads from a request: the period, the scope, and the units an
account may choose. Bad input raises :class:`DomainError` with a Vietnamese message
(fixed texts, which the page looks up in the catalogue when it shows them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping

import sqlalchemy as sa
from flask_babel import gettext

from ..auth.policy import scope_units_clause, sees_all
from ..extensions import db
from ..models import Unit
from ..services import DomainError
from ..services.periodic_report import validate_period
from ..services.periodic_report_files import may_report_on
from ..services.periodic_report_monthly import previous_month
from .work import parse_date

UNIT_REFUSED = "Không tìm thấy đơn vị đã chọn, hoặc đơn vị nằm ngoài phạm vi của bạn."
MAX_TEXT = 40
TOO_LONG = {"start": "Ngày bắt đầu quá dài (nhập theo dạng dd/mm/yyyy).",
            "end": "Ngày kết thúc quá dài (nhập theo dạng dd/mm/yyyy)."}
NO_UNIT = "Vui lòng chọn đơn vị cần báo cáo."


@dataclass
class ReportInput:
    """The form as typed (to show it again) and, once parsed, the values."""

    start_text: str = ""
    end_text: str = ""
    unit_text: str = ""
    start: date | None = None
    end: date | None = None
    scope_unit_id: int | None = None

    def query(self) -> dict[str, str]:
        """The parsed values as URL parameters (links to the downloads)."""
        return {"start": f"{self.start:%d/%m/%Y}", "end": f"{self.end:%d/%m/%Y}",
                "unit": "" if self.scope_unit_id is None else str(self.scope_unit_id)}


def default_input(account: Any, today: date) -> ReportInput:
    """Last month, over everything the account may see (its own unit for a unit head)."""
    start = previous_month(today)
    end = today.replace(day=1) - timedelta(days=1)
    unit = "" if sees_all(account) else str(account.unit_id)
    return ReportInput(start_text=f"{start:%d/%m/%Y}", end_text=f"{end:%d/%m/%Y}", unit_text=unit)


def _date(text: str, which: str) -> date | None:
    if len(text) > MAX_TEXT:
        raise DomainError(TOO_LONG[which])
    return parse_date(text)


def parse_input(values: Mapping[str, str], account: Any) -> ReportInput:
    """Read start, end (dd/mm/yyyy) and unit ('' = every unit) and check the scope."""
    data = ReportInput(start_text=(values.get("start") or "").strip()[:100],
                       end_text=(values.get("end") or "").strip()[:100],
                       unit_text=(values.get("unit") or "").strip()[:100])
    start = _date(data.start_text, "start")
    end = _date(data.end_text, "end")
    data.start, data.end = validate_period(start, end)
    if data.unit_text:
        if not data.unit_text.isdigit() or len(data.unit_text) > 12:
            raise DomainError(UNIT_REFUSED)
        data.scope_unit_id = int(data.unit_text)
    elif not sees_all(account):
        raise DomainError(NO_UNIT)
    if not may_report_on(account, data.scope_unit_id) or (
            data.scope_unit_id is not None and db.session.get(Unit, data.scope_unit_id) is None):
        raise DomainError(UNIT_REFUSED)
    return data


def unit_choices(account: Any, today: date) -> list[tuple[str, str]]:
    """(value, label) of the units the account may report on, in tree order, indented
    (the page's own words in its language: this runs in the request)."""
    rows = db.session.execute(
        sa.select(Unit.id, Unit.name, Unit.path, Unit.valid_to).where(scope_units_clause(account, Unit.id))
    ).all()

    def tree_key(row: Any) -> list[int]:
        return [int(part) for part in row.path.strip("/").split("/") if part.isdigit()]

    rows.sort(key=tree_key)
    top = min((len(tree_key(r)) for r in rows), default=0)
    choices = [("", gettext("Tất cả cơ quan, đơn vị"))] if sees_all(account) else []
    for row in rows:
        name = row.name
        if row.valid_to is not None and row.valid_to < today:
            name = gettext("%(unit)s (đã giải thể)", unit=name)
        choices.append((str(row.id), "— " * (len(tree_key(row)) - top) + name))
    return choices
