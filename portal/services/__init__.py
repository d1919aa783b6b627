"""Domain rules as plain functions over a session: they flush and raise
:class:`DomainError`; the caller commits."""
from __future__ import annotations


class DomainError(ValueError):
    """A rule of the domain refused the operation; ``str()`` is a message for users (Vietnamese)."""
