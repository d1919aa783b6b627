"""The periodic report on real workers and a real Redis: the monthly report is issued
once per month whatever runs it (twice, two schedulers, a worker killed half-way),
and a large report asked for in the portal runs as a job with progress."""
from __future__ import annotations

import os
import re
from datetime import date
from io import BytesIO
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook
from redis import Redis
from rq import Queue
from rq.job import Job

from jobs.reports import PAUSE_KEY, PAUSED_KEY, build_report, monthly_report
from portal.cli.jobs import MONTHLY_REPORT_CRON, MONTHLY_REPORT_CRON_NAME, make_scheduler
from portal.extensions import db
from portal.models import JobTick, Notice, Unit
from portal.services.periodic_report_monthly import monthly_file, previous_month
from portal.services.workdays import local_today
from portal.queue import UNAVAILABLE_MESSAGE
from tests.conftest import csrf_from, make_app

from .conftest import kill_when_paused, login, start_worker
from .world import account, run_jobs

JUNE = date(2025, 6, 1)
pytestmark = pytest.mark.slow


@pytest.fixture
def reports_dir(jobs_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files of this test only: in the app (in-process workers) and in the environment
    (worker processes)."""
    root = tmp_path / "reports"
    jobs_app.config["REPORTS_DIR"] = str(root)
    monkeypatch.setenv("REPORTS_DIR", str(root))
    return root


def monthly_rows(month: date) -> tuple[int, int]:
    """(periodic-report notices of the month, monthly claims), read afresh."""
    db.session.rollback()
    notices = db.session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
        Notice.kind == "periodic_report", Notice.period_start == month))
    claims = db.session.scalar(sa.select(sa.func.count()).select_from(JobTick).where(JobTick.job == "monthly_report"))
    db.session.rollback()
    return int(notices or 0), int(claims or 0)


def docx_number(path: Path) -> str:
    cells = "\n".join(c.text for t in docx.Document(str(path)).tables for r in t.rows for c in r.cells)
    return re.search(r"Số: (\d+)/", cells).group(1)


def test_monthly_report_twice_is_one_report(jobs_app: Flask, redis: Redis, reports_dir: Path) -> None:
    queue = Queue("default", connection=redis)
    jobs = [queue.enqueue(monthly_report, "2025-06") for _ in range(2)]
    run_jobs(redis)
    results = sorted(Job.fetch(j.id, connection=redis).return_value()["status"] for j in jobs)
    assert results == ["done", "skipped"]
    assert monthly_rows(JUNE) == (1, 1)
    notice = db.session.scalar(sa.select(Notice).where(Notice.kind == "periodic_report", Notice.period_start == JUNE))
    assert notice.period_end == date(2025, 6, 30) and notice.recipient_unit.code == "PT"
    assert notice.issuing_unit.code == "PT-NV"  # the unit holding the home-affairs function
    assert int(docx_number(monthly_file(reports_dir, JUNE, "docx"))) == int(notice.number)
    ws = load_workbook(monthly_file(reports_dir, JUNE, "xlsx"))["Báo cáo"]
    names = [ws.cell(r, 2).value for r in range(5, ws.max_row + 1)]
    assert names[-1] == "Tổng cộng" and "Phòng Nội vụ huyện Phong Thổ" in names
    tick = db.session.scalar(sa.select(JobTick).where(JobTick.job == "monthly_report"))
    assert tick.stats["notice_id"] == notice.id and tick.stats["period_start"] == "2025-06-01"
    assert tick.stats["due"] == ws.cell(ws.max_row, 3).value  # the list shows the workbook's totals
    # The running month cannot be issued: the job says why and leaves nothing behind.
    result = monthly_report(f"{local_today():%Y-%m}")
    assert result["status"] == "failed" and "chưa kết thúc" in result["error"]
    assert monthly_rows(JUNE) == (1, 1)


def test_two_schedulers_fire_the_month_once(jobs_app: Flask, redis: Redis, reports_dir: Path) -> None:
    """Two cron schedulers both enqueue the 1st-of-month job; one report comes out, for
    the month before the one the jobs were queued in."""
    crons = []
    for _ in range(2):
        scheduler = make_scheduler(redis, 5)
        [cron] = [j for j in scheduler._cron_jobs if j.name == MONTHLY_REPORT_CRON_NAME]
        assert cron.cron == MONTHLY_REPORT_CRON and cron.next_enqueue_time.day == 1
        crons.append(cron)
    jobs = [cron.enqueue(redis) for cron in crons]  # both fire
    run_jobs(redis)
    results = [Job.fetch(j.id, connection=redis).return_value() for j in jobs]
    month = previous_month(local_today())
    assert sorted(r["status"] for r in results) == ["done", "skipped"]
    assert {r["month"] for r in results} == {f"{month:%Y-%m}"}
    assert monthly_rows(month) == (1, 1)
    assert monthly_file(reports_dir, month, "xlsx").is_file()


def test_worker_killed_before_commit_then_next_run_issues_once(
        jobs_app: Flask, redis: Redis, db_url: str, redis_url: str, reports_dir: Path, tmp_path: Path) -> None:
    queue = Queue("default", connection=redis)
    redis.set(PAUSE_KEY, 120)  # files written, report flushed, then it waits before COMMIT
    queue.enqueue(monthly_report, "2025-06")
    worker = start_worker(db_url, redis_url, f"victim-{os.getpid()}", burst=False, log=tmp_path / "victim.log")
    kill_when_paused(redis, worker, PAUSED_KEY, tmp_path / "victim.log")

    # The claim died with the report; only the files of the killed run are left.
    assert monthly_rows(JUNE) == (0, 0)
    leftover = monthly_file(reports_dir, JUNE, "docx")
    assert leftover.is_file()

    redis.delete(PAUSE_KEY, PAUSED_KEY)
    job = queue.enqueue(monthly_report, "2025-06")
    rescuer = start_worker(db_url, redis_url, f"rescuer-{os.getpid()}", log=tmp_path / "rescuer.log")
    rescuer.wait(timeout=120)
    result = Job.fetch(job.id, connection=redis).return_value()
    assert result is not None and result["status"] == "done", (tmp_path / "rescuer.log").read_text(errors="replace")
    assert monthly_rows(JUNE) == (1, 1)
    notice = db.session.scalar(sa.select(Notice).where(Notice.kind == "periodic_report", Notice.period_start == JUNE))
    assert int(docx_number(leftover)) == int(notice.number)  # the files are the committed run's
    assert sorted(p.name for p in leftover.parent.iterdir()) == ["bao-cao-2025-06.docx", "bao-cao-2025-06.xlsx"]
    assert monthly_report("2025-06")["status"] == "skipped"


def test_large_report_runs_as_a_job_with_progress(jobs_app: Flask, web, redis: Redis, reports_dir: Path) -> None:
    jobs_app.config["REPORT_SYNC_MAX_UNITS"] = 5
    login(web, "leader")
    query = {"start": "01/06/2025", "end": "30/06/2025", "unit": ""}
    page = web.get("/admin/report/", query_string=query).get_data(as_text=True)
    assert "data-report-large" in page
    started = web.post("/admin/report/build", data={**query, "csrf_token": csrf_from(page)})
    assert started.status_code == 302
    job_url = started.headers["Location"]
    job_id = job_url.rstrip("/").split("/")[-1]
    waiting = web.get(job_url).get_data(as_text=True)
    assert "data-progress-url" in waiting and "jobs.js" in waiting and "<script>" not in waiting
    status = web.get(f"{job_url}/status.json").json
    assert status["finished"] is False and status["status_label"] == "Đang chờ xử lý"

    run_jobs(redis)
    assert Job.fetch(job_id, connection=redis).get_meta(refresh=True)["progress"] == 100
    status = web.get(f"{job_url}/status.json").json
    assert status["finished"] is True and status["progress"] == 100
    done = web.get(job_url).get_data(as_text=True)
    assert "data-report-table" in done and "Phòng Nội vụ huyện Phong Thổ" in done
    xlsx = web.get(f"{job_url}/bao-cao.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(BytesIO(xlsx.data))["Báo cáo"]
    assert ws.cell(ws.max_row, 2).value == "Tổng cộng"
    word = web.get(f"{job_url}/bao-cao.docx")
    assert word.status_code == 200 and "du-thao-BC-" in word.headers["Content-Disposition"]
    assert any(t.rows[0].cells[0].text == "Cơ quan, đơn vị" for t in docx.Document(BytesIO(word.data)).tables)

    # A background report is its requester's: nobody else learns it exists.
    for username in ("inspector", "admin", "head"):
        other = login(jobs_app.test_client(), username)
        for url in (job_url, f"{job_url}/status.json", f"{job_url}/bao-cao.xlsx"):
            assert other.get(url).status_code == 404, (username, url)


def test_the_job_checks_the_scope_again(jobs_app: Flask, reports_dir: Path) -> None:
    head = account("head")
    other = db.session.scalar(sa.select(Unit.id).where(Unit.code == "PT-TCKH"))
    for scope in (None, other):
        result = build_report(head.id, "2025-06-01", "2025-06-30", scope)
        assert result["status"] == "failed" and "không còn quyền" in result["error"]
    assert not (reports_dir / "on-demand").exists()
    own = build_report(head.id, "2025-06-01", "2025-06-30", head.unit_id)
    assert own["status"] == "done" and len(list((reports_dir / "on-demand").iterdir())) == 1


def test_issue_a_missed_month_from_the_page(jobs_app: Flask, web, redis: Redis, reports_dir: Path) -> None:
    login(web, "admin")
    token = csrf_from(web.get("/admin/report/").get_data(as_text=True))
    for _ in range(2):
        assert web.post("/admin/report/monthly", data={"month": "05/2025", "csrf_token": token}).status_code == 302
    run_jobs(redis)
    assert monthly_rows(date(2025, 5, 1)) == (1, 1)
    page = web.get("/admin/report/").get_data(as_text=True)
    assert "05/2025" in page.split("data-monthly-reports", 1)[1].split("</table>", 1)[0]


def test_page_serves_with_redis_down_and_queues_nothing(tmp_path: Path, shared_db_url: str) -> None:
    app = make_app(shared_db_url, REDIS_URL=f"unix://{tmp_path}/dead.sock", REPORTS_DIR=str(tmp_path / "reports"),
                   REPORT_SYNC_MAX_UNITS=5)
    client = login(app.test_client(), "leader")
    query = {"start": "01/06/2025", "end": "30/06/2025", "unit": ""}
    page = client.get("/admin/report/", query_string=query)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and UNAVAILABLE_MESSAGE in text and "data-report-large" in text
    started = client.post("/admin/report/build", data={**query, "csrf_token": csrf_from(text)}, follow_redirects=True)
    assert started.status_code == 200 and "chưa lập được báo cáo" in started.get_data(as_text=True)
    issued = client.post("/admin/report/monthly", data={"month": "05/2025", "csrf_token": csrf_from(text)},
                         follow_redirects=True)
    assert "chưa lập được báo cáo tháng" in issued.get_data(as_text=True)
    with app.app_context():
        head_unit = account("head").unit_id
    one_unit = client.get("/admin/report/", query_string={**query, "unit": str(head_unit)})
    assert "data-report-table" in one_unit.get_data(as_text=True)  # small reports need no queue
    assert not (tmp_path / "reports").exists()
