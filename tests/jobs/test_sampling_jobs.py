"""vsample-v1 draws through the job path: test vectors, replacements, progress,
export and verification, and secrecy before the inspection opens."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq.job import Job

from portal.extensions import db
from portal.models import InspectionTarget, Sample, SampleItem
from portal.queue import enqueue_safely
from portal.services import DomainError
from portal.services.sample_export import export_sample, verify_export
from portal.services.sample_files import samples_root
from portal.services.samples import create_sample_request, extend_sample, reveal_seed, start_inspection
from tests.services.test_sampling import (
    VECTOR_COMMITMENT, VECTOR_DOMAIN, VECTOR_POPULATION_FILE, VECTOR_POPULATION_SHA256, VECTOR_RANKING,
    VECTOR_SAMPLE,
)

from .world import account, inspection, many_staff, run_jobs, vector_sample, vector_world

DRAW = "jobs.sampling.draw_sample"


def items_of(sample_id: int) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    rows = db.session.scalars(sa.select(SampleItem).where(SampleItem.sample_id == sample_id)
                              .order_by(SampleItem.stratum, SampleItem.rank))
    for item in rows:
        out.setdefault(item.stratum, []).append((item.key_hex, item.item_id))
    return out


def drawn_vector(redis: Redis) -> int:
    vector_world()
    sample = vector_sample(inspection("KT-2024-01"))
    db.session.commit()
    sample_id = sample.id
    assert enqueue_safely(DRAW, sample_id) is not None
    run_jobs(redis)
    db.session.rollback()
    return sample_id


def test_vectors_reproduce_through_the_job_path(jobs_app: Flask, redis: Redis) -> None:
    sample_id = drawn_vector(redis)
    sample = db.session.get(Sample, sample_id)
    assert sample.status == "done" and sample.progress == 100 and sample.error is None
    assert sample.domain == VECTOR_DOMAIN
    assert sample.seed_commitment == VECTOR_COMMITMENT and sample.seed_source == "dice"
    assert sample.population_sha256 == VECTOR_POPULATION_SHA256 and sample.population_size == 12
    assert items_of(sample_id) == VECTOR_SAMPLE
    stored = samples_root(jobs_app.config, jobs_app.instance_path) / str(sample_id) / f"{VECTOR_POPULATION_SHA256}.jsonl"
    assert stored.read_bytes() == VECTOR_POPULATION_FILE
    # Items link to their rows, even the unit whose code is stored decomposed (NFD).
    assert all(i.unit_id is not None and not i.is_replacement for i in sample.items)
    # Targets are visible to the units concerned: none before the inspection opens.
    targets = sa.select(sa.func.count()).select_from(InspectionTarget).where(
        InspectionTarget.inspection_id == sample.inspection_id)
    assert db.session.scalar(targets) == 0
    # Run the job again: the record is left alone.
    enqueue_safely(DRAW, sample_id)
    run_jobs(redis)
    db.session.rollback()
    assert items_of(sample_id) == VECTOR_SAMPLE

    # Replacements extend the same draw: a new record whose first k items are the parent's.
    child_id = extend_sample(db.session, sample_id, {"Phường": 3, "Xã": 4}, by=account("inspector")).id
    db.session.commit()
    enqueue_safely(DRAW, child_id)
    run_jobs(redis)
    db.session.rollback()
    sample = db.session.get(Sample, sample_id)
    child = db.session.get(Sample, child_id)
    assert child.status == "done" and child.extends_sample_id == sample_id
    assert (child.domain, child.seed, child.population_sha256) == (sample.domain, sample.seed, sample.population_sha256)
    assert child.sizes == {"Phường": 6, "Xã": 6}
    assert items_of(child.id) == VECTOR_RANKING
    replacement = {(i.stratum, i.rank): i.is_replacement for i in child.items}
    assert [replacement[("Phường", r)] for r in range(1, 7)] == [False] * 3 + [True] * 3
    assert [replacement[("Xã", r)] for r in range(1, 7)] == [False] * 2 + [True] * 4
    assert items_of(sample_id) == VECTOR_SAMPLE  # the parent record is unchanged


def test_draw_reports_progress_in_job_meta_and_sample(jobs_app: Flask, redis: Redis,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    many_staff(25_000)
    insp = inspection("KT-PROGRESS")
    sample = create_sample_request(db.session, insp, population_kind="staff", filters={"subtree": "BULK-OFFICE"},
                                   sizes={"": 30}, seed=None, size_reason="Thử tiến độ", by=account("inspector"))
    db.session.commit()
    assert sample.seed_source == "random" and len(sample.seed) == 64
    sample_id = sample.id

    meta_seen: list[int] = []
    original = Job.save_meta

    def spy(job: Job) -> None:
        meta_seen.append(job.meta["progress"])
        original(job)

    monkeypatch.setattr(Job, "save_meta", spy)
    db_seen: list[int] = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE SAMPLE SET PROGRESS"):
            db_seen.append(next(v for v in (parameters.values() if isinstance(parameters, dict) else parameters)
                                if isinstance(v, int) and v <= 100))

    job = enqueue_safely(DRAW, sample_id)
    run_jobs(redis)
    sa.event.remove(db.engine, "before_cursor_execute", capture)
    db.session.rollback()
    assert [p for p in meta_seen if 0 < p < 100], meta_seen
    assert meta_seen == sorted(meta_seen) and meta_seen[-1] == 100
    assert [p for p in db_seen if 5 < p < 90], db_seen
    assert Job.fetch(job.id, connection=redis).meta["progress"] == 100
    done = db.session.get(Sample, sample_id)
    assert done.status == "done" and done.progress == 100 and done.population_size == 25_000
    assert sum(len(v) for v in items_of(sample_id).values()) == 30


def test_export_and_verify_commands(jobs_app: Flask, redis: Redis, tmp_path: Path) -> None:
    sample_id = drawn_vector(redis)
    runner = jobs_app.test_cli_runner()
    out = tmp_path / "export"

    refused = runner.invoke(args=["sample", "export", str(sample_id), "--dir", str(out)])
    assert refused.exit_code == 1 and "hạt giống chỉ được công bố khi đợt kiểm tra bắt đầu" in refused.output
    assert not (out / "record.json").exists()

    insp = db.session.get(Sample, sample_id).inspection
    assert start_inspection(db.session, insp) == 1  # the start reveals the seed, not the export
    db.session.commit()
    assert db.session.get(Sample, sample_id).seed_revealed_at is not None
    assert reveal_seed(db.session, insp) == 0  # nothing left hidden
    targets = db.session.scalars(sa.select(InspectionTarget.unit_id).where(InspectionTarget.inspection_id == insp.id))
    assert len(list(targets)) == 5  # the drawn units, now that the inspection opened
    result = runner.invoke(args=["sample", "export", str(sample_id), "--dir", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "record.json").read_text(encoding="utf-8"))
    assert record["seed"] == "3614252361154263512466" and record["algorithm"] == "vsample-v1"
    assert record["sizes"] == {"Phường": 3, "Xã": 2} and record["requested_by"] == "inspector"
    assert {s: [tuple(e) for e in rows] for s, rows in record["sample"].items()} == VECTOR_SAMPLE
    assert hashlib.sha256((out / "population.jsonl").read_bytes()).hexdigest() == record["population_sha256"]

    ok = runner.invoke(args=["sample", "verify", str(out)])
    assert ok.exit_code == 0 and "Khớp: mẫu tái tạo đúng." in ok.output

    # One population line changed (a weight): mismatch, exit 1.
    lines = (out / "population.jsonl").read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"3"', b'"4"')
    (out / "population.jsonl").write_bytes(b"".join(lines))
    bad = runner.invoke(args=["sample", "verify", str(out)])
    assert bad.exit_code == 1 and "Mã băm tổng thể không khớp" in bad.output

    # Back to the true file, then one key of the record changed: mismatch, exit 1.
    export_sample(db.session, sample_id, out, samples_root=samples_root(jobs_app.config, jobs_app.instance_path))
    assert verify_export(out).ok
    key = record["sample"]["Xã"][1][0]
    record["sample"]["Xã"][1][0] = key[:-1] + ("0" if key[-1] != "0" else "1")
    (out / "record.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    bad = runner.invoke(args=["sample", "verify", str(out)])
    assert bad.exit_code == 1 and "vị trí 2" in bad.output


def test_data_error_fails_the_sample_without_retry(jobs_app: Flask, redis: Redis) -> None:
    insp = inspection("KT-EMPTY")
    sample = create_sample_request(db.session, insp, population_kind="unit", filters={"subtree": "PT-NV"},
                                   sizes={"": 2}, size_reason="Thử", by=account("inspector"))
    db.session.commit()
    sample.seed = "not-a-seed"  # a damaged record: the draw refuses it
    db.session.commit()
    sample_id = sample.id
    job = enqueue_safely(DRAW, sample_id)
    run_jobs(redis)
    db.session.rollback()
    failed = db.session.get(Sample, sample_id)
    assert failed.status == "failed" and "Hạt giống" in (failed.error or "")
    assert Job.fetch(job.id, connection=redis).return_value()["status"] == "failed"
    assert items_of(sample_id) == {}


def test_request_rules(jobs_app: Flask) -> None:
    insp = inspection("KT-RULES")
    inspector = account("inspector")
    with pytest.raises(DomainError, match="ít nhất 20 chữ số"):
        create_sample_request(db.session, insp, population_kind="unit", sizes={"": 1}, seed="12345",
                              size_reason="x", by=inspector)
    with pytest.raises(DomainError, match="lý do"):
        create_sample_request(db.session, insp, population_kind="unit", sizes={"": 1}, tolerable_rate=0.05,
                              expected_rate=0.01, by=inspector)
    with pytest.raises(DomainError, match="phân tầng"):
        create_sample_request(db.session, insp, population_kind="unit", strata_by="category", sizes={"": 1},
                              size_reason="x", by=inspector)
    first = create_sample_request(db.session, insp, population_kind="unit", sizes={"": 1}, size_reason="x",
                                  by=inspector)
    second = create_sample_request(db.session, insp, population_kind="unit", sizes={"": 1}, size_reason="x",
                                   by=inspector)
    assert (first.domain, second.domain) == ("inspection:KT-RULES:units", "inspection:KT-RULES:units:2")
    assert first.seed_commitment != second.seed_commitment
    db.session.rollback()
