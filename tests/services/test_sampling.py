"""Tests for vsample-v1 (portal/services/sampling.py).

The published test vector (also in docs/vsample-v1-test-vectors.md) is checked two
ways: against an independent, deliberately naive implementation written here, and
against literal constants, so a change to either implementation is caught.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from portal.services import sampling
from portal.services.sampling import (
    PopulationItem,
    SamplingError,
    commitment,
    draw,
    enc,
    item_key,
    make_item,
    make_prefix,
    parse_population_lines,
    population_lines,
    population_sha256,
    verify,
)

# --------------------------------------------------------------------------
# Published test vector
# --------------------------------------------------------------------------
VECTOR_SEED = "3614252361154263512466"  # 22 dice rolls
VECTOR_DOMAIN = "inspection:KT-2024-01:units"
# The last-but-one id is written DECOMPOSED (o + U+0300, i + U+0300) on purpose:
# its NFC form "X-Hòa-Bình" is what gets hashed, sorted and exported.
VECTOR_POPULATION = [
    ("P-001", 1, "Phường"),
    ("P-002", 3, "Phường"),
    ("P-003", 1, "Phường"),
    ("P-004", 2, "Phường"),
    ("P-005", 1, "Phường"),
    ("P-006", 5, "Phường"),
    ("X-001", 1, "Xã"),
    ("X-002", 1, "Xã"),
    ("X-003", 4, "Xã"),
    ("X-004", 1, "Xã"),
    ("X-Ho\u0300a-Bi\u0300nh", 2, "Xã"),
    ("X-006", 1, "Xã"),
]
VECTOR_POPULATION_SHA256 = "f538810373f53a56b0daf363fc2695082233af6a8285a8e50ad29efe4240a9c6"
VECTOR_POPULATION_FILE = (
    '["P-001","1","Phường"]\n'
    '["P-002","3","Phường"]\n'
    '["P-003","1","Phường"]\n'
    '["P-004","2","Phường"]\n'
    '["P-005","1","Phường"]\n'
    '["P-006","5","Phường"]\n'
    '["X-001","1","Xã"]\n'
    '["X-002","1","Xã"]\n'
    '["X-003","4","Xã"]\n'
    '["X-004","1","Xã"]\n'
    '["X-006","1","Xã"]\n'
    '["X-H\u00f2a-B\u00ecnh","2","Xã"]\n'
).encode("utf-8")
# Complete ranking of each stratum (key hex, id); any sample is a prefix of it.
VECTOR_RANKING = {
    "Phường": [
        ("36f7dfedfca23a80bca12e176b0f595612eeb772e5110408e60cb7f881feedb7", "P-002"),
        ("4b14b58f3a5b39cdd71c4037630efa16dece34cf6ffa740a8128177013222471", "P-006"),
        ("5a853954c31c649ccbbd19246b980613225cd5ff8cdd19fbcb5f9583b07208d9", "P-003"),
        ("a7be06a49715f9de9e21b36fc2a27373ed5a8ba8a3a1c2227b03cd8945705cd7", "P-004"),
        ("c659e0e00b57dc1acf4b3808bd34377bc6246e6e39f78501ff276fca8f1d25dc", "P-001"),
        ("f26799d23e04bb97746fd14a1a2ed9d107658738f158db8e2ec089ba9af0f891", "P-005"),
    ],
    "Xã": [
        ("1cbcd304fe0ed2f62d2b15b39fcc72e20baf892144392ea5bcbfa7732e440dae", "X-001"),
        ("1f677cecbc7fa16e10d00ced8e4b01fe8ea5150244421d169fe5b877a1f53e3a", "X-002"),
        ("71bf504b7430fd051352feb40897b4e7bdc8fe2e0b52a1d0978dcda94d305dcc", "X-003"),
        ("8adf06a4dd46d8df72120dbc7b77faf63749082982b355baba761bfb3008416a", "X-006"),
        ("ab4d94a9355913b2062440953d6bed750e0bacf339d40483d2c53996840b11af", "X-H\u00f2a-B\u00ecnh"),
        ("bf51a8b7bedfff51745d54d18be35d31e605a44eecc64ab32e294a49ebe6afbe", "X-004"),
    ],
}
VECTOR_SIZES = {"Phường": 3, "Xã": 2}
VECTOR_SAMPLE = {
    "Phường": [
        ("36f7dfedfca23a80bca12e176b0f595612eeb772e5110408e60cb7f881feedb7", "P-002"),
        ("4b14b58f3a5b39cdd71c4037630efa16dece34cf6ffa740a8128177013222471", "P-006"),
        ("5a853954c31c649ccbbd19246b980613225cd5ff8cdd19fbcb5f9583b07208d9", "P-003"),
    ],
    "Xã": [
        ("1cbcd304fe0ed2f62d2b15b39fcc72e20baf892144392ea5bcbfa7732e440dae", "X-001"),
        ("1f677cecbc7fa16e10d00ced8e4b01fe8ea5150244421d169fe5b877a1f53e3a", "X-002"),
    ],
}
VECTOR_COMMITMENT = "e62b32a56f2c3f42c8ccc2c31239c8a7370aa323bfec64031794013016737bc4"


# Independent reference: full concatenation hashed from scratch, everything sorted.
def ref_enc(s: str) -> bytes:
    b = unicodedata.normalize("NFC", s).encode("utf-8")
    return len(b).to_bytes(4, "big") + b


def ref_key(domain: str, seed: str, item_id: str, weight: int) -> bytes:
    tickets = []
    for j in range(weight):
        data = b"vsample-v1\x00" + ref_enc(domain) + ref_enc(seed) + ref_enc(item_id) + j.to_bytes(4, "big")
        tickets.append(hashlib.sha256(data).digest())
    return min(tickets)


def ref_draw(rows, domain, seed, sizes):
    by_stratum: dict[str, list] = {}
    for item_id, weight, stratum in rows:
        nid = unicodedata.normalize("NFC", item_id)
        key = ref_key(domain, seed, item_id, weight)
        by_stratum.setdefault(unicodedata.normalize("NFC", stratum), []).append((key, nid.encode("utf-8"), nid))
    out = {}
    for stratum, k in sizes.items():
        ranked = sorted(by_stratum.get(stratum, []))
        out[stratum] = [(key.hex(), nid) for key, _, nid in ranked[:k]]
    return out


def ref_population_file(rows) -> bytes:
    lines = []
    for item_id, weight, stratum in rows:
        nid = unicodedata.normalize("NFC", item_id)
        row = [nid, str(weight), unicodedata.normalize("NFC", stratum)]
        lines.append((nid.encode("utf-8"), json.dumps(row, separators=(",", ":"), ensure_ascii=False) + "\n"))
    return b"".join(line.encode("utf-8") for _, line in sorted(lines))


def vector_items() -> list[PopulationItem]:
    return [make_item(i, w, s) for i, w, s in VECTOR_POPULATION]


def vector_record(sizes=VECTOR_SIZES, sample=VECTOR_SAMPLE) -> dict:
    return {
        "algorithm": "vsample-v1",
        "domain": VECTOR_DOMAIN,
        "seed": VECTOR_SEED,
        "population_sha256": VECTOR_POPULATION_SHA256,
        "population_size": 12,
        "sizes": dict(sizes),
        "sample": {s: [list(e) for e in rows] for s, rows in sample.items()},
    }


# --------------------------------------------------------------------------
def test_vector_population_file_and_hash():
    assert ref_population_file(VECTOR_POPULATION) == VECTOR_POPULATION_FILE
    assert b"".join(population_lines(vector_items())) == VECTOR_POPULATION_FILE
    assert hashlib.sha256(VECTOR_POPULATION_FILE).hexdigest() == VECTOR_POPULATION_SHA256
    assert population_sha256(vector_items()) == (VECTOR_POPULATION_SHA256, 12)


def test_vector_ranking_matches_reference_and_constants():
    full = {"Phường": 6, "Xã": 6}
    assert ref_draw(VECTOR_POPULATION, VECTOR_DOMAIN, VECTOR_SEED, full) == VECTOR_RANKING
    assert draw(vector_items(), domain=VECTOR_DOMAIN, seed=VECTOR_SEED, sizes=full) == VECTOR_RANKING


def test_vector_sample_matches_reference_and_constants():
    assert ref_draw(VECTOR_POPULATION, VECTOR_DOMAIN, VECTOR_SEED, VECTOR_SIZES) == VECTOR_SAMPLE
    got = draw(vector_items(), domain=VECTOR_DOMAIN, seed=VECTOR_SEED, sizes=VECTOR_SIZES)
    assert got == VECTOR_SAMPLE


def test_vector_commitment():
    assert commitment(VECTOR_SEED) == hashlib.sha256(VECTOR_SEED.encode()).hexdigest() == VECTOR_COMMITMENT


def test_vector_key_uses_nfc_not_the_decomposed_input():
    decomposed = "X-Ho\u0300a-Bi\u0300nh"
    raw = decomposed.encode("utf-8")  # NOT normalised: what a careless verifier would hash
    wrong = min(
        hashlib.sha256(
            b"vsample-v1\x00" + ref_enc(VECTOR_DOMAIN) + ref_enc(VECTOR_SEED)
            + len(raw).to_bytes(4, "big") + raw + j.to_bytes(4, "big")
        ).digest()
        for j in range(2)
    )
    published = dict((i, k) for k, i in VECTOR_RANKING["Xã"])["X-H\u00f2a-B\u00ecnh"]
    assert wrong.hex() != published
    assert ref_key(VECTOR_DOMAIN, VECTOR_SEED, decomposed, 2).hex() == published


# --------------------------------------------------------------------------
def test_enc_is_length_prefixed_nfc():
    assert enc("") == b"\x00\x00\x00\x00"
    assert enc("abc") == b"\x00\x00\x00\x03abc"
    assert enc("Ho\u0300a") == enc("H\u00f2a") == b"\x00\x00\x00\x04H\xc3\xb2a"


def test_make_item_normalises_id_and_stratum():
    item = make_item("Ho\u0300a", 2, "Xa\u0303")
    assert item.id == "H\u00f2a" and item.stratum == "X\u00e3" and item.weight == 2
    with pytest.raises(Exception):
        item.weight = 3  # frozen


def test_item_key_is_min_ticket():
    prefix = make_prefix(VECTOR_DOMAIN, VECTOR_SEED)
    item = make_item("P-006", 5, "Phường")
    assert item_key(prefix, item) == ref_key(VECTOR_DOMAIN, VECTOR_SEED, "P-006", 5)


@pytest.mark.parametrize("weight", [0, -1, True, 1.0, "1", None])
def test_bad_weight_rejected(weight):
    with pytest.raises(SamplingError, match="Trọng số phải là số nguyên ≥ 1"):
        make_item("A", weight, "s")


def test_empty_id_rejected():
    with pytest.raises(SamplingError, match="không được để trống"):
        make_item("", 1, "s")


def test_duplicates_rejected_including_nfc_equivalent_ids():
    items = [make_item("A-1"), make_item("B-1"), make_item("A-1")]
    with pytest.raises(SamplingError, match="Mã phần tử trùng lặp: A-1"):
        draw(items, domain="d", seed=VECTOR_SEED, sizes={"": 1})
    with pytest.raises(SamplingError, match="Mã phần tử trùng lặp"):
        list(population_lines(items))
    twins = [make_item("Ho\u0300a"), make_item("H\u00f2a")]
    with pytest.raises(SamplingError, match="Mã phần tử trùng lặp"):
        draw(twins, domain="d", seed=VECTOR_SEED, sizes={})


def test_duplicate_in_unsampled_stratum_still_rejected():
    items = [make_item("A", 1, "x"), make_item("A", 1, "y")]
    with pytest.raises(SamplingError, match="trùng lặp"):
        draw(items, domain="d", seed=VECTOR_SEED, sizes={"z": 1})


def test_replacements_are_a_prefix_extension():
    items = [make_item(f"U{i:04d}", 1 + i % 4, "ABC"[i % 3]) for i in range(2000)]
    base = draw(items, domain="d", seed=VECTOR_SEED, sizes={"A": 7, "B": 3, "C": 0})
    more = draw(items, domain="d", seed=VECTOR_SEED, sizes={"A": 7 + 5, "B": 3 + 2, "C": 4})
    assert more["A"][:7] == base["A"] and len(more["A"]) == 12
    assert more["B"][:3] == base["B"] and len(more["B"]) == 5
    assert base["C"] == [] and len(more["C"]) == 4
    rows = [(it.id, it.weight, it.stratum) for it in items]
    assert more == ref_draw(rows, "d", VECTOR_SEED, {"A": 12, "B": 5, "C": 4})
    keys = [k for k, _ in more["A"]]
    assert keys == sorted(keys)


def test_ties_broken_by_id_bytes(monkeypatch):
    monkeypatch.setattr(sampling, "item_key", lambda prefix, item: b"\x00" * 32)
    ids = ["b", "a", "\u00e9", "Z", "aa", "c"]
    items = [make_item(i) for i in ids]
    got = draw(items, domain="d", seed=VECTOR_SEED, sizes={"": 3})
    assert [i for _, i in got[""]] == ["Z", "a", "aa"]
    got = draw(items, domain="d", seed=VECTOR_SEED, sizes={"": 10})
    assert [i for _, i in got[""]] == sorted(ids, key=lambda s: s.encode("utf-8"))


def test_progress_called_every_10000_and_at_end():
    calls: list[int] = []
    items = (make_item(f"I{i}") for i in range(25_000))
    draw(items, domain="d", seed=VECTOR_SEED, sizes={"": 5}, progress=calls.append)
    assert calls == [10_000, 20_000, 25_000]
    calls.clear()
    draw([make_item(f"I{i}") for i in range(20_000)], domain="d", seed=VECTOR_SEED, sizes={}, progress=calls.append)
    assert calls == [10_000, 20_000]


def test_stratum_edge_cases():
    items = [make_item("a", 1, "s1"), make_item("b", 1, "s1"), make_item("c", 1, "s2")]
    got = draw(items, domain="d", seed=VECTOR_SEED, sizes={"s1": 10, "missing": 3, "s2": 0})
    assert sorted(i for _, i in got["s1"]) == ["a", "b"]
    assert got["missing"] == [] and got["s2"] == []
    assert set(got) == {"s1", "missing", "s2"}
    with pytest.raises(SamplingError):
        draw(items, domain="d", seed=VECTOR_SEED, sizes={"s1": -1})


def test_weights_bias_selection():
    # Efraimidis-Spirakis: the first pick is item i with probability w_i / sum(w).
    heavy = 0
    items = [make_item("light", 1), make_item("heavy", 3)]
    for r in range(2000):
        first = draw(items, domain=f"d{r}", seed=VECTOR_SEED, sizes={"": 1})[""][0][1]
        heavy += first == "heavy"
    assert 1400 < heavy < 1600  # expected 1500, sd ≈ 19


def test_draw_rejects_bad_seed_and_domain():
    with pytest.raises(SamplingError, match="Hạt giống"):
        draw([make_item("a")], domain="d", seed="123", sizes={"": 1})
    with pytest.raises(SamplingError, match="domain"):
        draw([make_item("a")], domain="", seed=VECTOR_SEED, sizes={"": 1})


# --------------------------------------------------------------------------
def test_parse_population_round_trip():
    lines = VECTOR_POPULATION_FILE.splitlines(keepends=True)
    items = parse_population_lines(lines)
    assert [(i.id, i.weight, i.stratum) for i in items][-1] == ("X-H\u00f2a-B\u00ecnh", 2, "Xã")
    assert b"".join(population_lines(items)) == VECTOR_POPULATION_FILE


@pytest.mark.parametrize(
    "lines, fragment",
    [
        ([b'["b","1","s"]\n', b'["a","1","s"]\n'], "sắp xếp"),
        ([b'["a","1","s"]\n', b'["a","2","s"]\n'], "trùng lặp"),
        ([b'["a","1","s"]'], "xuống dòng"),
        ([b"not json\n"], "JSON"),
        ([b'["a","1"]\n'], "dạng"),
        ([b'["a",1,"s"]\n'], "dạng"),
        ([b'["a","0","s"]\n'], "Trọng số"),
        ([b'["a","01","s"]\n'], "Trọng số"),
        ([b'["a", "1", "s"]\n'], "dạng chuẩn"),
        ([b'["\\u00e0","1","s"]\n'], "dạng chuẩn"),
        (['["a\u0300","1","s"]\n'.encode("utf-8")], "dạng chuẩn"),
        ([b'["\xff","1","s"]\n'], "JSON"),
    ],
)
def test_parse_population_rejects(lines, fragment):
    with pytest.raises(SamplingError, match=fragment):
        parse_population_lines(lines)


def test_verify_passes_on_correct_record(tmp_path):
    path = tmp_path / "population.jsonl"
    path.write_bytes(VECTOR_POPULATION_FILE)
    for source in (path, str(path), VECTOR_POPULATION_FILE, VECTOR_POPULATION_FILE.splitlines(keepends=True)):
        result = verify(vector_record(), source)
        assert result.ok, result.problems
        assert result.problems == []


def test_verify_accepts_replacements_and_short_strata():
    sizes = {"Phường": 5, "Xã": 9}
    sample = {"Phường": VECTOR_RANKING["Phường"][:5], "Xã": VECTOR_RANKING["Xã"]}
    assert verify(vector_record(sizes, sample), VECTOR_POPULATION_FILE).ok


def test_verify_checks_commitment():
    record = vector_record()
    record["seed_commitment"] = VECTOR_COMMITMENT
    assert verify(record, VECTOR_POPULATION_FILE).ok
    record["seed_commitment"] = "0" * 64
    result = verify(record, VECTOR_POPULATION_FILE)
    assert not result.ok and any("cam kết" in p for p in result.problems)


def test_verify_fails_when_a_population_line_changes():
    tampered = VECTOR_POPULATION_FILE.replace(b'["P-006","5",', b'["P-006","1",')
    result = verify(vector_record(), tampered)
    assert not result.ok
    assert any("Mã băm tổng thể không khớp" in p for p in result.problems)


def test_verify_fails_when_a_key_changes():
    sample = {s: list(rows) for s, rows in VECTOR_SAMPLE.items()}
    key, item_id = sample["Xã"][1]
    sample["Xã"][1] = (key[:-1] + ("0" if key[-1] != "0" else "1"), item_id)
    result = verify(vector_record(sample=sample), VECTOR_POPULATION_FILE)
    assert not result.ok
    assert any("mẫu khác với mẫu tính lại tại vị trí 2" in p for p in result.problems)


def test_verify_fails_on_swapped_order_wrong_size_and_algorithm():
    sample = {"Phường": list(reversed(VECTOR_SAMPLE["Phường"])), "Xã": VECTOR_SAMPLE["Xã"]}
    assert not verify(vector_record(sample=sample), VECTOR_POPULATION_FILE).ok
    record = vector_record()
    record["population_size"] = 13
    assert any("Số phần tử không khớp" in p for p in verify(record, VECTOR_POPULATION_FILE).problems)
    record = vector_record()
    record["algorithm"] = "vsample-v2"
    assert any("Thuật toán" in p for p in verify(record, VECTOR_POPULATION_FILE).problems)
    record = vector_record()
    record["seed"] = "1" * 20
    assert not verify(record, VECTOR_POPULATION_FILE).ok


def test_verify_reports_unreadable_or_malformed_file(tmp_path):
    result = verify(vector_record(), tmp_path / "missing.jsonl")
    assert not result.ok and "Không đọc được tệp tổng thể" in result.problems[-1]
    unsorted = b"".join(reversed(VECTOR_POPULATION_FILE.splitlines(keepends=True)))
    result = verify(vector_record(), unsorted)
    assert not result.ok and "Tệp tổng thể không hợp lệ" in result.problems[-1]
