"""``flask --app wsgi sweep`` — issue 4, rule 9: the sweep at once, in one transaction,
counts printed in Vietnamese."""
from __future__ import annotations

from datetime import date

from portal.services.consultations import create_consultation

from .conftest import code


def test_sweep_command_runs_and_is_idempotent(app, world):
    c = create_consultation(world.session, code=code("LYK"), subject="Thử", consulting_unit_id=world.a.id,
                            competent_unit_id=world.root.id, sent_on=date(2025, 6, 10), due_date=date(2025, 6, 20),
                            recipients=[(world.b.id, "Tài chính")])
    runner = app.test_cli_runner()
    first = runner.invoke(args=["sweep", "--now", "2025-06-23T08:00:00+07:00", "--full"])
    assert first.exit_code == 0, first.output
    assert "Đơn vị được xác định là đồng ý:" in first.output and "Thông báo xác định đồng ý:" in first.output
    assert c.recipients[0].outcome == "deemed_agreed"
    second = runner.invoke(args=["sweep", "--now", "2025-06-23T08:00:00+07:00"])
    assert second.exit_code == 0 and "Không có thay đổi." in second.output


def test_sweep_command_refuses_a_time_without_zone(app):
    result = app.test_cli_runner().invoke(args=["sweep", "--now", "2025-06-23T08:00:00"])
    assert result.exit_code != 0 and "phải có múi giờ" in result.output
