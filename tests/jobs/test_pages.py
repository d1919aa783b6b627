"""The background pages: they serve with Redis up or down, queue nothing into the
void, and never show a sample to anyone outside the inspection function and
leadership before its inspection starts."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue

from portal.extensions import db
from portal.models import Sample
from portal.models.base import utcnow
from portal.queue import UNAVAILABLE_MESSAGE
from tests.conftest import csrf_from, make_app

from .conftest import login, register_background_pages
from .test_sampling_jobs import drawn_vector
from .world import account

PAGES = {
    "/admin/background/sweep/": "admin",
    "/admin/background/queue/": "admin",
    "/admin/background/queue/failed": "admin",
    "/admin/background/sample-request/": "inspector",
    "/admin/background/samples/": "inspector",
    "/admin/background/samples/verify": "inspector",
}


@pytest.mark.parametrize("path,username", sorted(PAGES.items()))
def test_pages_serve_with_redis_down(tmp_path: Path, shared_db_url: str, path: str, username: str) -> None:
    app = make_app(shared_db_url, REDIS_URL=f"unix://{tmp_path}/dead.sock")
    register_background_pages(app)
    client = login(app.test_client(), username)
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if "verify" not in path and "samples/" != path[-8:]:
        assert UNAVAILABLE_MESSAGE in response.get_data(as_text=True)


def test_run_now_with_redis_down_queues_nothing(tmp_path: Path, shared_db_url: str) -> None:
    app = make_app(shared_db_url, REDIS_URL=f"unix://{tmp_path}/dead.sock")
    register_background_pages(app)
    client = login(app.test_client(), "leader")
    token = csrf_from(client.get("/admin/background/sweep/").get_data(as_text=True))
    response = client.post("/admin/background/sweep/run", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200 and UNAVAILABLE_MESSAGE in response.get_data(as_text=True)


def test_sweep_page_and_run_now(jobs_app: Flask, web, redis: Redis) -> None:
    login(web, "leader")
    page = web.get("/admin/background/sweep/")
    assert page.status_code == 200 and "Chưa có lần quét nào" in page.get_data(as_text=True)
    assert web.post("/admin/background/sweep/run").status_code == 400  # no CSRF token
    token = csrf_from(page.get_data(as_text=True))
    assert web.post("/admin/background/sweep/run", data={"csrf_token": token}).status_code == 302
    queue = Queue("default", connection=redis)
    assert queue.count == 1
    from .world import run_jobs

    run_jobs(redis)
    page = web.get("/admin/background/sweep/").get_data(as_text=True)
    assert "Thông báo xác định đồng ý" in page and "Lần quét tiếp theo" in page
    web.post("/logout", data={"csrf_token": token})
    login(web, "head")
    assert web.get("/admin/background/sweep/").status_code == 403
    assert web.get("/admin/background/queue/").status_code == 403


def test_queue_pages_are_for_administrators_only(shared_app: Flask) -> None:
    for username in ("leader", "inspector", "head", "staff"):
        client = login(shared_app.test_client(), username)
        assert client.get("/admin/background/queue/").status_code == 403, username
        assert client.get("/admin/background/queue/failed").status_code == 403, username
    assert login(shared_app.test_client(), "admin").get("/admin/background/queue/").status_code == 200


def test_unannounced_sample_is_invisible_to_the_inspected_head_before_start(
        jobs_app: Flask, redis: Redis, tmp_path: Path) -> None:
    head = account("head")
    sample_id = drawn_vector(redis)
    sample = db.session.get(Sample, sample_id)
    # The head's own unit is a target of this unannounced inspection.
    from portal.models import InspectionTarget

    db.session.add(InspectionTarget(inspection_id=sample.inspection_id, unit_id=head.unit_id))
    db.session.commit()
    urls = [f"/admin/background/samples/{sample_id}/status.json", f"/admin/background/samples/{sample_id}",
            f"/admin/background/samples/{sample_id}/record.json",
            f"/admin/background/samples/{sample_id}/population.jsonl", "/admin/background/samples/"]

    client = login(jobs_app.test_client(), "head")
    for url in urls:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"P-002" not in response.data and b"KT-2024-01" not in response.data
    # Administrators keep the records but are not the inspection function either.
    client = login(jobs_app.test_client(), "admin")
    for url in urls[:4]:
        assert client.get(url).status_code == 404, url
    assert b"KT-2024-01" not in client.get("/admin/background/samples/").data
    # Leadership and the inspector see the progress and result, but not the seed.
    for username in ("leader", "inspector"):
        client = login(jobs_app.test_client(), username)
        status = client.get(urls[0])
        assert status.status_code == 200 and status.json["status"] == "done" and status.json["progress"] == 100
        detail = client.get(urls[1]).get_data(as_text=True)
        assert "P-002" in detail and "3614252361154263512466" not in detail
        assert client.get(urls[2]).status_code == 409  # no export before the seed is revealed
    # The CLI export refuses too.
    result = jobs_app.test_cli_runner().invoke(args=["sample", "export", str(sample_id), "--dir", str(tmp_path)])
    assert result.exit_code == 1 and not (tmp_path / "record.json").exists()

    # Once the inspection starts, the record (with its seed) can be published.
    inspection = db.session.get(Sample, sample_id).inspection
    inspection.status, inspection.started_at = "in_progress", utcnow()
    db.session.commit()
    client = login(jobs_app.test_client(), "inspector")
    record = client.get(urls[2])
    assert record.status_code == 200 and record.json["seed"] == "3614252361154263512466"
    assert client.get(urls[3]).status_code == 200
    db.session.rollback()
    assert db.session.scalar(sa.select(Sample.seed_revealed_at).where(Sample.id == sample_id)) is not None


def test_sample_request_page_draws_and_shows_progress(jobs_app: Flask, web, redis: Redis) -> None:
    login(web, "inspector")
    form = web.get("/admin/background/sample-request/").get_data(as_text=True)
    token = csrf_from(form)
    from .world import inspection

    insp_id = inspection("KT-WEB").id
    db.session.commit()
    fields = {"csrf_token": token, "inspection_id": str(insp_id), "population_kind": "unit", "strata_by": "kind",
              "subtree": "PT", "weighting": "uniform", "tolerable_rate": "10", "expected_rate": "0"}
    preview = web.post("/admin/background/sample-request/", data={**fields, "action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'name="stratum_0"' in html and "Đề xuất" in html
    strata = {}
    import re

    for i, name in re.findall(r'name="stratum_(\d+)" value="([^"]*)"', html):
        strata[f"stratum_{i}"] = name
        strata[f"size_{i}"] = "1"
    refused = web.post("/admin/background/sample-request/", data={**fields, **strata, "action": "submit"})
    assert refused.status_code == 400 and "lý do" in refused.get_data(as_text=True)
    done = web.post("/admin/background/sample-request/",
                    data={**fields, **strata, "size_reason": "Một đơn vị mỗi loại", "action": "submit",
                          "seed": "1234567890 1234567890 12"})
    assert done.status_code == 302
    sample_id = int(done.headers["Location"].rstrip("/").split("/")[-1])
    page = web.get(done.headers["Location"]).get_data(as_text=True)
    assert "data-progress-url" in page and "<script>" not in page and "jobs.js" in page
    from .world import run_jobs

    run_jobs(redis)
    status = web.get(f"/admin/background/samples/{sample_id}/status.json").json
    assert status["status"] == "done" and status["finished"] and status["progress"] == 100
    sample = db.session.get(Sample, sample_id)
    assert sample.seed_source == "dice" and sample.size_reason == "Một đơn vị mỗi loại"

