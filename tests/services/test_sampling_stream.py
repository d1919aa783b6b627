"""The one-pass draw (portal/services/sampling_stream.py) gives exactly what
``sampling.draw`` and ``sampling.population_lines`` give, on the published vector
and on random populations in any row order, and refuses what they refuse."""
from __future__ import annotations

import hashlib
import io
import random
import unicodedata

import pytest

from portal.services.sampling import SamplingError, canonical_line, draw, make_item, population_lines
from portal.services.sampling_stream import draw_stream, merge_lines

from .test_sampling import (
    VECTOR_DOMAIN, VECTOR_POPULATION, VECTOR_POPULATION_FILE, VECTOR_POPULATION_SHA256, VECTOR_RANKING,
    VECTOR_SAMPLE, VECTOR_SEED, VECTOR_SIZES, ref_draw, ref_population_file,
)


def run(rows, sizes, *, batch: int = 3, progress=None) -> tuple[dict, bytes, int]:
    """Stream ``rows`` in batches; return (sample, merged file bytes, count)."""
    written = io.BytesIO()
    batches = [rows[i:i + batch] for i in range(0, len(rows), batch)]
    result = draw_stream(batches, domain=VECTOR_DOMAIN, seed=VECTOR_SEED, sizes=sizes, write=written.write,
                         progress=progress)
    ordered = written.getvalue().splitlines(keepends=True)
    merged = b"".join(merge_lines(ordered, result.stragglers))
    return result.sample, merged, result.count


def classic(rows, sizes) -> tuple[dict, bytes]:
    items = [make_item(i, w, s) for i, w, s in rows]
    return draw(items, domain=VECTOR_DOMAIN, seed=VECTOR_SEED, sizes=sizes), b"".join(population_lines(items))


def test_vector_in_stored_order_and_reversed() -> None:
    for rows in (list(VECTOR_POPULATION), list(reversed(VECTOR_POPULATION))):
        sample, merged, count = run(rows, VECTOR_SIZES)
        assert sample == VECTOR_SAMPLE and count == 12
        assert merged == VECTOR_POPULATION_FILE
        assert hashlib.sha256(merged).hexdigest() == VECTOR_POPULATION_SHA256
    sample, _, _ = run(list(VECTOR_POPULATION), {"Phường": 6, "Xã": 6})
    assert sample == VECTOR_RANKING


def test_decomposed_id_is_renamed_and_reported_with_its_row() -> None:
    rows = [(i, w, s, n) for n, (i, w, s) in enumerate(VECTOR_POPULATION)]
    result = draw_stream([rows], domain=VECTOR_DOMAIN, seed=VECTOR_SEED, sizes=VECTOR_SIZES, write=lambda b: None)
    assert [(nfc, row[3]) for nfc, row in result.renamed] == [("X-H\u00f2a-B\u00ecnh", 10)]


@pytest.mark.parametrize("seed", range(6))
def test_random_populations_match_the_classic_draw(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["A", "b", "Z", "-", "0", "9", "ò", "o\u0300", "Đ", "ư", '"', "\\", "\t", "😀", "é"]
    ids: set[str] = set()
    rows = []
    while len(rows) < 400:
        iid = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
        nfc = unicodedata.normalize("NFC", iid)
        if nfc in ids:
            continue
        ids.add(nfc)
        rows.append((iid, rng.randint(1, 6), rng.choice(["Phường", "Xa\u0303", "Xã", "", "k"])))
    sizes = {"Phường": rng.randint(0, 40), "Xã": rng.randint(1, 40), "": 7, "absent": 3}
    if seed % 2:
        rows.sort(key=lambda r: r[0].encode("utf-8"))  # mostly in order: few stragglers
    expected_sample, expected_file = classic(rows, sizes)
    sample, merged, count = run(rows, sizes, batch=rng.randint(1, 50))
    assert sample == expected_sample == ref_draw(rows, VECTOR_DOMAIN, VECTOR_SEED, sizes)
    assert merged == expected_file == ref_population_file(rows)
    assert count == len(rows)


def test_sorted_rows_are_written_without_stragglers() -> None:
    rows = sorted(((f"T{i:05d}", 1 + i % 3, "ab"[i % 2]) for i in range(2000)), key=lambda r: r[0])
    written = io.BytesIO()
    result = draw_stream([rows[:999], rows[999:]], domain="d", seed=VECTOR_SEED, sizes={"a": 5},
                         write=written.write)
    assert result.stragglers == [] and result.count == 2000
    assert written.getvalue() == classic(rows, {"a": 5})[1]


@pytest.mark.parametrize("rows", [
    [("A-1", 1, ""), ("A-1", 1, "")],                      # adjacent
    [("A-1", 1, "x"), ("B-1", 1, "y"), ("A-1", 1, "z")],   # apart, in an unsampled stratum
    [("Ho\u0300a", 1, ""), ("H\u00f2a", 1, "")],           # NFC twins
])
def test_duplicates_are_refused(rows) -> None:
    with pytest.raises(SamplingError, match="Mã phần tử trùng lặp"):
        run(rows, {"": 1})


@pytest.mark.parametrize("row,message", [
    (("", 1, ""), "không được để trống"),
    ((None, 1, ""), "chuỗi ký tự"),
    (("A", 1, None), "chuỗi ký tự"),
    (("A", 0, ""), "Trọng số"),
    (("A", True, ""), "Trọng số"),
    (("A", 1.0, ""), "Trọng số"),
    (("A", "2", ""), "Trọng số"),
    (("A\ud800", 1, ""), "không hợp lệ"),
])
def test_bad_rows_are_refused_like_make_item(row, message) -> None:
    with pytest.raises(SamplingError, match=message):
        run([row], {"": 1})
    with pytest.raises(SamplingError, match=message):
        make_item(*row)


def test_progress_at_each_ten_thousand_crossed_and_at_the_end() -> None:
    rows = [(f"I{i:06d}", 1, "") for i in range(25_000)]
    calls: list[int] = []
    run(rows, {"": 2}, batch=6_000, progress=calls.append)
    assert calls == [12_000, 24_000, 25_000]


def test_bad_seed_or_domain_refused_before_reading() -> None:
    with pytest.raises(SamplingError, match="Hạt giống"):
        draw_stream([[("a", 1, "")]], domain="d", seed="123", sizes={"": 1}, write=lambda b: None)
    with pytest.raises(SamplingError, match="domain"):
        draw_stream([[("a", 1, "")]], domain="", seed=VECTOR_SEED, sizes={"": 1}, write=lambda b: None)


@pytest.mark.parametrize("text", ['a"b', "back\\slash", "tab\tx", "nl\nx", "\x00\x1f\x7f", "Hòa Bình", "\u2028\u2029",
                                  "😀", "</script>", "'", "X-Ho\u0300a"])
def test_streamed_population_line_is_the_canonical_line(text: str) -> None:
    written: list[bytes] = []
    draw_stream([[(text, 7, text)]], domain="d", seed="1" * 20, sizes={}, write=written.append)
    assert written == [canonical_line(make_item(text, 7, text))]
