"""Dissemination (quán triệt) — directive item 1 (issue 4, rule 5): coverage of
acknowledgements per unit and the list of people who have not acknowledged."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.models import Acknowledgement, Directive
from portal.services import DomainError
from portal.services.dissemination import acknowledge, coverage, missing

from .conftest import code, ict, make_staff


@pytest.fixture
def directive(world):
    row = Directive(code=code("CV"), title="Triển khai Công điện 280/CĐ-TTg (thử)", issued_on=date(2025, 5, 2),
                    issuing_unit_id=world.root.id)
    world.session.add(row)
    world.session.flush()
    return row


def test_coverage_per_unit_and_missing_list(world, directive):
    s = world.session
    make_staff(s, world.a, "Người đã nghỉ hưu", status="retired")  # not counted
    acknowledge(s, directive, world.head_a, at=ict(2025, 5, 5, 8))
    acknowledge(s, directive, world.b1_staff, at=ict(2025, 5, 6, 14))
    by_unit = {c.unit.id: c for c in coverage(s, directive.id)}
    assert (by_unit[world.a.id].staff_total, by_unit[world.a.id].acknowledged, by_unit[world.a.id].rate) == (2, 1, 0.5)
    assert (by_unit[world.b1.id].staff_total, by_unit[world.b1.id].acknowledged, by_unit[world.b1.id].rate) == (1, 1, 1.0)
    assert (by_unit[world.c.id].acknowledged, by_unit[world.c.id].rate) == (0, 0.0)
    assert world.root.id in by_unit  # the district's own leader
    everyone_missing = {p.id for p in missing(s, directive.id)}
    assert {world.a1.id, world.head_b.id, world.head_c.id} <= everyone_missing
    assert not {world.head_a.id, world.b1_staff.id} & everyone_missing
    assert [p.id for p in missing(s, directive.id, world.a.id)] == [world.a1.id]
    assert [p.id for p in missing(s, directive.id, world.b.id, include_subunits=True)] == [world.head_b.id]


def test_acknowledgement_once_per_person(world, directive):
    s = world.session
    acknowledge(s, directive, world.a1, at=ict(2025, 5, 5, 8))
    with pytest.raises(DomainError, match="đã xác nhận quán triệt .* mỗi người chỉ xác nhận một lần"):
        acknowledge(s, directive, world.a1, at=ict(2025, 5, 7, 8))
    assert s.scalar(sa.select(sa.func.count()).select_from(Acknowledgement).where(
        Acknowledgement.directive_id == directive.id, Acknowledgement.staff_id == world.a1.id)) == 1


def test_acknowledgement_bad_input(world, directive):
    s = world.session
    with pytest.raises(DomainError, match="trước ngày ban hành"):
        acknowledge(s, directive, world.a1, at=ict(2025, 5, 1, 8))
    gone = make_staff(s, world.a, "Đã điều chuyển", status="transferred")
    with pytest.raises(DomainError, match="không còn đang công tác"):
        acknowledge(s, directive, gone, at=ict(2025, 5, 5, 8))
    assert missing(s, directive.id, world.a.id)  # nothing recorded
