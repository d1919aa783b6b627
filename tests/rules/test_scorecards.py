"""Scorecards per unit and per person — issue 4, rule 7 (directive items 3, 4, 5).

A small hand-made data set whose figures are worked out by hand below."""
from __future__ import annotations

from datetime import date

from portal.services.consultations import answer, apply_deemed_agreement, create_consultation, missed_counts
from portal.services.scorecards import person_scorecards, unit_scorecards
from portal.services.tasks import add_step, complete_step, complete_task, create_task
from portal.services.workdays import WorkCalendar

from .conftest import code, ict

CAL = WorkCalendar()
PERIOD = (date(2031, 3, 1), date(2031, 3, 31))
TODAY = date(2031, 4, 10)


def build(world):
    s = world.session

    def task(due, unit=world.a):
        return create_task(s, code=code("NV"), title="Việc thử", lead_unit_id=unit.id, authority_unit_id=unit.id,
                           received_on=date(2031, 2, 3), due_date=due, calendar=CAL)

    # Unit A: 4 tasks due in March: 2 on time, 1 late, 1 overdue; 1 task due in April (outside).
    t1, t2, t3, t4 = (task(date(2031, 3, d)) for d in (5, 12, 19, 26))
    task(date(2031, 4, 2))
    head = world.acc_a
    for t, at in ((t1, ict(2031, 3, 5, 16)), (t2, ict(2031, 3, 10, 9)), (t3, ict(2031, 3, 21, 9))):
        complete_task(s, t, by=head, at=at)
    # Unit B: 1 task due in March, on time.
    complete_task(s, task(date(2031, 3, 14), world.b), by=world.acc_b, at=ict(2031, 3, 14, 10))
    # Person a1: 3 steps in March: on time, late, overdue; head_a: 1 step on time.
    t5 = task(date(2031, 3, 31))
    st1 = add_step(s, t5, title="B1", responsible_staff_id=world.a1.id, due_date=date(2031, 3, 10))
    st2 = add_step(s, t5, title="B2", responsible_staff_id=world.a1.id, due_date=date(2031, 3, 17))
    add_step(s, t5, title="B3", responsible_staff_id=world.a1.id, due_date=date(2031, 3, 24))
    st4 = add_step(s, t5, title="B4", responsible_staff_id=world.head_a.id, due_date=date(2031, 3, 28))
    complete_step(s, st1, by=world.acc_a1, at=ict(2031, 3, 10, 23, 0))
    complete_step(s, st2, by=world.acc_a1, at=ict(2031, 3, 18, 8, 0))
    complete_step(s, st4, by=world.acc_a, at=ict(2031, 3, 27, 8, 0))
    # Consultations of A, deadline 14/03/2031: B answers on time, C late; in a second one both are silent.
    def consult():
        return create_consultation(s, code=code("LYK"), subject="Thử", consulting_unit_id=world.a.id,
                                   competent_unit_id=world.root.id, sent_on=date(2031, 3, 3), due_date=date(2031, 3, 14),
                                   recipients=[(world.b.id, "Tài chính"), (world.c.id, "Pháp lý")], calendar=CAL)
    c1, c2 = consult(), consult()
    answer(s, c1.recipients[0], answer="agree", text=None, by=world.acc_b, at=ict(2031, 3, 14, 9))
    answer(s, c1.recipients[1], answer="agree", text=None, by=world.acc_c, at=ict(2031, 3, 17, 9))
    apply_deemed_agreement(s, ict(2031, 3, 15, 0, 0))
    return t5


def test_unit_scorecards(world):
    build(world)
    cards = {c.unit_id: c for c in unit_scorecards(world.session, PERIOD, TODAY, unit_ids=[world.a.id, world.b.id, world.c.id])}
    a, b, c = cards[world.a.id], cards[world.b.id], cards[world.c.id]
    # A leads t1–t4 and t5 (due 31/03, open, overdue on 10/04)
    assert (a.assigned, a.done_on_time, a.done_late, a.overdue, a.in_time) == (5, 2, 1, 2, 0)
    assert a.on_time_rate == 2 / 5
    assert (b.assigned, b.done_on_time, b.on_time_rate) == (1, 1, 1.0)
    assert (b.answered_on_time, b.answered_late, b.missed) == (1, 0, 1)
    assert (c.assigned, c.on_time_rate) == (0, None)
    assert (c.answered_on_time, c.answered_late, c.missed) == (0, 1, 2)  # late answer and silence are misses
    assert missed_counts(world.session, PERIOD)[world.c.id] == 2


def test_person_scorecards(world):
    build(world)
    cards = {c.staff_id: c for c in person_scorecards(world.session, PERIOD, TODAY, unit_id=world.root.id)}
    a1, head = cards[world.a1.id], cards[world.head_a.id]
    assert (a1.assigned, a1.done_on_time, a1.done_late, a1.overdue) == (3, 1, 1, 1)
    assert a1.on_time_rate == 1 / 3
    assert (head.assigned, head.done_on_time, head.on_time_rate) == (1, 1, 1.0)
    # answers given by a person's account count for that person
    assert cards[world.head_b.id].answered_on_time == 1 and cards[world.head_c.id].answered_late == 1
    # scoped to unit B: nobody of A
    scoped = {c.staff_id for c in person_scorecards(world.session, PERIOD, TODAY, unit_id=world.b.id)}
    assert scoped == {world.head_b.id}
