"""Authentication rules: credentials, lock-out after repeated failures."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from ..models import Account
from ..models.base import utcnow


class LoginRefused(Exception):
    """Credentials were refused; ``str()`` is the Vietnamese message to show."""


GENERIC = "Tên đăng nhập hoặc mật khẩu không đúng."


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    max_failures: int,
    lock_minutes: int,
    now: datetime | None = None,
) -> Account:
    """Return the account for these credentials or raise :class:`LoginRefused`.

    Failures are counted per account; after ``max_failures`` the account is locked
    for ``lock_minutes`` whatever password is then given.
    """
    now = now or utcnow()
    account = session.scalar(sa.select(Account).where(Account.username == username.strip()))
    if account is None:
        verify_password(DUMMY_HASH, password)
        raise LoginRefused(GENERIC)
    if account.locked_until is not None and account.locked_until > now:
        minutes = int((account.locked_until - now).total_seconds() // 60) + 1
        raise LoginRefused(f"Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau {minutes} phút.")
    if not verify_password(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= max_failures:
            account.locked_until = now + timedelta(minutes=lock_minutes)
            account.failed_logins = 0
        session.flush()
        raise LoginRefused(GENERIC)
    if not account.is_active:
        raise LoginRefused("Tài khoản đã bị vô hiệu hóa.")
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    session.flush()
    return account
