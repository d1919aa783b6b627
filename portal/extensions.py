"""Flask extensions, created unbound and initialised in the app factory."""
from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints make the ORM and schema.sql comparable and migrations reviewable.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# "create_savepoint" only matters when a session joins a connection that is already
# in a transaction (the test suite's rollback-per-test recipe); engines ignore it.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
