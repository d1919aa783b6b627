"""The draw of a request (portal/services/sample_draw.py): what it leaves behind when
it cannot succeed, and how an extension re-reads its parent's stored file. The
published vector through the job path is in tests/jobs/test_sampling_jobs.py."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.models import Account, Inspection, Sample, SampleItem, Unit
from portal.models.base import utcnow
from portal.services import DomainError
from portal.services.sample_draw import ProgressWriter, compute_draw, store_draw
from portal.services.sample_files import population_path
from portal.services.samples import create_sample_request, extend_sample
from portal.services.sampling import SamplingError

SEED = "31415926535897932384626433832795"


def inspector(session) -> Account:
    return session.scalar(sa.select(Account).where(Account.username == "inspector"))


def inspection(session) -> Inspection:
    return session.scalar(sa.select(Inspection).where(Inspection.code == "PT-KT-2025-04"))


def draw(session, sample: Sample, root):
    writer = ProgressWriter(session.connection(), sample.id, 1)
    return compute_draw(session, sample, samples_root=root, writer=writer, now=utcnow())


def units_under(session, parent_code: str, codes: list[str]) -> None:
    parent = session.scalar(sa.select(Unit).where(Unit.code == parent_code))
    for code in codes:
        session.add(Unit(code=code, name=f"Đơn vị {code}", kind="office", parent=parent, path="/", depth=0,
                         valid_from=date(2020, 1, 1)))
    session.flush()


def request(session, subtree: str, k: int = 2) -> Sample:
    return create_sample_request(session, inspection(session), population_kind="unit",
                                 filters={"subtree": subtree, "unit_kinds": ["office"]}, sizes={"": k}, seed=SEED,
                                 size_reason="Thử rút mẫu", by=inspector(session))


def test_codes_equal_after_nfc_fail_the_draw_and_leave_no_file(session, tmp_path):
    units_under(session, "PT-NV", ["TD-A", "TD-Ho\u0300a", "TD-H\u00f2a", "TD-B"])
    sample = request(session, "PT-NV")
    with pytest.raises(SamplingError, match="Mã phần tử trùng lặp: TD-H\u00f2a"):
        draw(session, sample, tmp_path)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_decomposed_code_is_drawn_in_place_and_linked_to_its_row(session, tmp_path):
    # Stored decomposed, "TD-Hòa" is read before "TD-Hp" (o < p) but belongs after it
    # (U+00F2 > p): the file must still come out in byte order of the NFC ids.
    units_under(session, "PT-NV", ["TD-A", "TD-Ho\u0300a", "TD-Hp", "TD-B", "TD-Z"])
    sample = request(session, "PT-NV", k=10)
    result = draw(session, sample, tmp_path)
    lines = population_path(tmp_path, sample.id, result.population_sha256).read_bytes().splitlines()
    ids = [line.split(b'"')[1].decode("utf-8") for line in lines]
    assert ids == sorted(ids, key=lambda i: i.encode("utf-8")) and ids.index("TD-Hp") < ids.index("TD-H\u00f2a")
    store_draw(session, sample, result, now=utcnow())
    rows = session.execute(sa.select(SampleItem.item_id, SampleItem.unit_id).where(SampleItem.sample_id == sample.id))
    linked = {item_id: unit_id for item_id, unit_id in rows}
    stored = session.scalar(sa.select(Unit.id).where(Unit.code == "TD-Ho\u0300a"))
    assert linked["TD-H\u00f2a"] == stored


def test_an_extension_refuses_a_parent_file_changed_on_disk(session, tmp_path):
    units_under(session, "PT-NV", [f"TD-{i:02d}" for i in range(12)])
    parent = request(session, "PT-NV", k=3)
    result = draw(session, parent, tmp_path)
    store_draw(session, parent, result, now=utcnow())
    child = extend_sample(session, parent.id, {"": 2}, by=inspector(session))
    path = population_path(tmp_path, parent.id, parent.population_sha256)
    path.write_bytes(path.read_bytes().replace(b'"TD-05","1"', b'"TD-05","2"'))
    with pytest.raises(DomainError, match="đã bị thay đổi"):
        draw(session, child, tmp_path)
    assert session.scalar(sa.select(sa.func.count()).select_from(SampleItem)
                          .where(SampleItem.sample_id == child.id)) == 0


def test_an_extension_draws_from_the_parent_file_not_the_database(session, tmp_path):
    units_under(session, "PT-NV", [f"TD-{i:02d}" for i in range(12)])
    parent = request(session, "PT-NV", k=3)
    store_draw(session, parent, draw(session, parent, tmp_path), now=utcnow())
    units_under(session, "PT-NV", ["TD-NEW-1", "TD-NEW-2"])  # the population has changed since
    child = extend_sample(session, parent.id, {"": 4}, by=inspector(session))
    result = draw(session, child, tmp_path)
    assert (result.population_sha256, result.population_size) == (parent.population_sha256, parent.population_size)
    first = [(i.key_hex, i.item_id) for i in sorted(parent.items, key=lambda i: i.rank)]
    assert result.sample[""][:3] == first and len(result.sample[""]) == 7
