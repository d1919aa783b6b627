"""What every background page shares: permission checks per action, the
unavailable message and local times in templates."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..auth.policy import can, current_account
from ..queue import UNAVAILABLE_MESSAGE
from ..services.workdays import TZ
from .base import PortalBaseView


def when(value: datetime | None) -> str:
    """A local (Asia/Ho_Chi_Minh) dd/mm/yyyy hh:mm:ss, or a dash."""
    if value is None:
        return "—"
    return value.astimezone(TZ).strftime("%d/%m/%Y %H:%M:%S")


class BackgroundView(PortalBaseView):
    """Base of the background pages (guarded by ``view`` on :attr:`resource`)."""

    def may(self, action: str) -> bool:
        account = current_account()
        return account is not None and can(account, self.resource, action)

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("unavailable_message", UNAVAILABLE_MESSAGE)
        kwargs.setdefault("when", when)
        return super().render(template, **kwargs)
