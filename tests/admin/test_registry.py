"""The declarations hold together: every table has a screen, every screen a resource
the seeded matrix knows, every screen the secured base class, every constraint a
Vietnamese message, and no admin URL bypasses the access checks."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.admin import registry
from portal.admin.base import PortalBaseView, PortalModelView
from portal.admin.errors import CONSTRAINT_MESSAGES
from portal.auth.scopes import has_rule
from portal.extensions import db
from seed.reference import PAGES, RESOURCES


def test_every_table_has_a_screen():
    screened = {e.model.__tablename__ for e in registry.ENTRIES}
    screened |= {model.__tablename__ for model, _r, _n in registry.INLINE_ONLY}
    assert set(db.metadata.tables) == screened


def test_every_screen_uses_a_resource_of_the_seeded_matrix():
    used = {e.resource_name for e in registry.ENTRIES} | {r for _m, r, _n in registry.INLINE_ONLY}
    # Every table resource has its screen; the page resources (sweep, queue) have pages instead.
    assert used == set(RESOURCES) - set(PAGES)


def test_endpoints_are_unique_and_views_secured():
    endpoints = [e.endpoint_name for e in registry.ENTRIES]
    assert len(endpoints) == len(set(endpoints))
    for entry in registry.ENTRIES:
        assert issubclass(entry.view, PortalModelView), entry
        assert entry.name and entry.category, entry


def test_every_table_naming_units_or_people_has_a_row_scope():
    for entry in registry.ENTRIES:
        columns = set(entry.model.__table__.columns.keys())
        if columns & {"unit_id", "staff_id", "task_id", "lead_unit_id", "inspection_id", "consultation_id",
                      "issuing_unit_id", "recipient_id", "finding_id", "sample_id"}:
            assert has_rule(entry.model) or "unit_id" in columns, entry.model


def test_every_constraint_has_a_vietnamese_message():
    names = {
        c.name for table in db.metadata.tables.values() for c in table.constraints
        if isinstance(c, (sa.CheckConstraint, sa.UniqueConstraint)) and c.name
    }
    assert names - set(CONSTRAINT_MESSAGES) == set()


def test_no_admin_url_bypasses_the_access_checks(app):
    admin = app.extensions["admin"][0]
    secured = {v.endpoint: v for v in admin._views}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint.endswith(".static") or rule.endpoint == "admin.static":
            continue
        blueprint = rule.endpoint.split(".")[0]
        view = secured.get(blueprint)
        assert view is not None, rule.rule
        assert view is admin.index_view or isinstance(view, (PortalModelView, PortalBaseView)), rule.rule


def test_every_get_url_sends_anonymous_users_to_login(app, client):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "static" in rule.endpoint or "GET" not in rule.methods:
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule.replace("<export_type>", "csv"))
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
