"""Verifiable sampling, specification ``vsample-v1`` (see DESIGN.md).

Why this module exists: an inspector's sample must be re-derivable by anyone who
holds the draw record and the exported population file, with an independent
program. Everything here is therefore deterministic, uses integer/byte arithmetic
only, and needs nothing beyond the Python standard library.

Interpretation fixed by this implementation (outside verifiers must do the same):

* ``enc(s)`` = 4-byte big-endian byte length + UTF-8 of ``unicodedata.normalize
  ("NFC", s)``.
* The *prefix* is a SHA-256 object fed with ``b"vsample-v1\\0" + enc(domain) +
  enc(seed)``. Ticket ``j`` of an item is ``prefix.copy()`` updated with
  ``enc(id) + j.to_bytes(4, "big")`` -- i.e. simply SHA-256 over the whole
  concatenation ``b"vsample-v1\\0" + enc(domain) + enc(seed) + enc(id) + j4``.
* An item's key is its smallest ticket for j in 0..weight-1; keys compare as
  unsigned big-endian integers, which is plain ``bytes`` comparison.
* Per stratum the k smallest keys are selected, ordered by key, ties by the UTF-8
  bytes of the id. ``k`` larger than the stratum takes the whole stratum; a stratum
  named in ``sizes`` but absent yields ``[]``; strata not named in ``sizes`` are not
  sampled (k = 0), but their items still count towards validation and the hash.
* Ids and strata are NFC-normalised when a :class:`PopulationItem` is built, so
  duplicate detection, tie-breaking, the population file and the keys all see the
  same string. Empty ids are rejected (an id is a business key); strata may be "".
* The seed string is used exactly as given (no trimming, no case folding): the
  record keeps that string and the commitment is SHA-256 of its UTF-8 bytes.
* Population file: one line ``json.dumps([id, str(weight), stratum],
  separators=(",", ":"), ensure_ascii=False) + "\\n"`` per item, sorted by the
  UTF-8 bytes of the id; its SHA-256 is the population hash. A parsed file must be
  in exactly this canonical form, so the hash of the file equals the hash of the
  population it describes.
* A record's ``sizes[s]`` is the requested k for stratum ``s`` (first k, then any
  replacements); its ``sample[s]`` must equal the re-computed draw, which has
  ``min(k, population of s)`` entries.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

ALGORITHM = "vsample-v1"
_MAGIC = b"vsample-v1\0"
PROGRESS_EVERY = 10_000
_SEED_RE = re.compile(r"[0-9]{20,}|[0-9a-fA-F]{64}")
_WEIGHT_RE = re.compile(r"[1-9][0-9]*")


class SamplingError(ValueError):
    """Invalid input for a draw or a verification; the message is for end users."""


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def enc(s: str) -> bytes:
    """Length-prefixed NFC UTF-8, so that concatenated fields can never be ambiguous."""
    data = _nfc(s).encode("utf-8")
    return len(data).to_bytes(4, "big") + data


@dataclass(frozen=True)
class PopulationItem:
    """One population row. Built values are validated and NFC-normalised so that
    every later step (duplicates, ties, file, keys) sees one canonical string."""

    id: str
    weight: int
    stratum: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not isinstance(self.stratum, str):
            raise SamplingError("Mã phần tử và tầng phải là chuỗi ký tự")
        if isinstance(self.weight, bool) or not isinstance(self.weight, int) or self.weight < 1:
            raise SamplingError(f"Trọng số phải là số nguyên ≥ 1 (phần tử {self.id!r}: {self.weight!r})")
        if not self.id:
            raise SamplingError("Mã phần tử không được để trống")
        object.__setattr__(self, "id", _nfc(self.id))
        object.__setattr__(self, "stratum", _nfc(self.stratum))
        try:
            (self.id + self.stratum).encode("utf-8")
        except UnicodeError as exc:
            raise SamplingError(f"Mã phần tử hoặc tầng chứa ký tự không hợp lệ: {self.id!r}") from exc


def make_item(id: str, weight: int = 1, stratum: str = "") -> PopulationItem:
    """Build a validated, NFC-normalised item (the one entry point callers should use)."""
    return PopulationItem(id=id, weight=weight, stratum=stratum)


def validate_seed(seed: str) -> str:
    """Accept a dice-ceremony seed (≥ 20 decimal digits) or 32 random bytes as 64 hex
    characters, and return it unchanged: the exact string is what gets hashed."""
    if not isinstance(seed, str) or not _SEED_RE.fullmatch(seed):
        raise SamplingError("Hạt giống phải có ít nhất 20 chữ số thập phân hoặc 64 ký tự hex")
    return seed


def new_seed() -> str:
    """32 bytes from the OS CSPRNG, for draws without a public dice ceremony."""
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """SHA-256 of the seed, published before the draw so the seed cannot be chosen
    after the population is known."""
    return hashlib.sha256(validate_seed(seed).encode("utf-8")).hexdigest()


def make_prefix(domain: str, seed: str) -> Any:
    """SHA-256 state shared by all tickets of one draw (hashing it once saves time)."""
    if not isinstance(domain, str) or not domain:
        raise SamplingError("Tên lượt chọn mẫu (domain) không được để trống")
    return hashlib.sha256(_MAGIC + enc(domain) + enc(validate_seed(seed)))


def item_key(prefix: Any, item: PopulationItem) -> bytes:
    """Smallest ticket of the item: a weight-w item behaves like w independent
    uniform tickets, which gives weighted sampling without replacement."""
    head = enc(item.id)
    h = prefix.copy()
    h.update(head + b"\0\0\0\0")
    best: bytes = h.digest()
    for j in range(1, item.weight):
        h = prefix.copy()
        h.update(head + j.to_bytes(4, "big"))
        best = min(best, h.digest())
    return best


class _Entry:
    """Heap entry with reversed order, so heapq's min-heap keeps the largest
    selected (key, id) on top and can evict it cheaply."""

    __slots__ = ("key", "idb", "id")

    def __init__(self, key: bytes, idb: bytes, id: str) -> None:
        self.key, self.idb, self.id = key, idb, id

    def __lt__(self, other: "_Entry") -> bool:
        return (other.key, other.idb) < (self.key, self.idb)


def _check_sizes(sizes: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, k in sizes.items():
        if not isinstance(name, str):
            raise SamplingError(f"Tên tầng phải là chuỗi ký tự: {name!r}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise SamplingError(f"Cỡ mẫu của tầng {name!r} phải là số nguyên ≥ 0")
        out[_nfc(name)] = k
    return out


def draw(
    items: Iterable[PopulationItem],
    *,
    domain: str,
    seed: str,
    sizes: Mapping[str, int],
    progress: Callable[[int], None] | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """Select, per stratum, the k items with the smallest keys.

    Streams the population: only a bounded heap of k entries per stratum and the
    set of ids seen (to reject duplicates) are kept, so a million rows fit easily.
    ``progress(n)`` is called after every 10,000 items and once at the end.
    Returns stratum -> [(key_hex, id), ...] in key order, for every stratum in
    ``sizes``; taking k+m gives the same first k followed by m replacements.
    """
    want = _check_sizes(sizes)
    prefix = make_prefix(domain, seed)
    heaps: dict[str, list[_Entry]] = {name: [] for name in want}
    seen: set[str] = set()
    n = 0
    for item in items:
        iid = item.id
        if iid in seen:
            raise SamplingError(f"Mã phần tử trùng lặp: {iid}")
        seen.add(iid)
        if item.weight < 1:
            raise SamplingError(f"Trọng số phải là số nguyên ≥ 1 (phần tử {iid!r})")
        n += 1
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
        k = want.get(item.stratum, 0)
        if not k:
            continue
        key = item_key(prefix, item)
        heap = heaps[item.stratum]
        if len(heap) < k:
            heapq.heappush(heap, _Entry(key, iid.encode("utf-8"), iid))
            continue
        top = heap[0]
        if key < top.key or (key == top.key and iid.encode("utf-8") < top.idb):
            heapq.heapreplace(heap, _Entry(key, iid.encode("utf-8"), iid))
    if progress is not None and n % PROGRESS_EVERY != 0:
        progress(n)
    result: dict[str, list[tuple[str, str]]] = {}
    for name, heap in heaps.items():
        ordered = sorted(heap, key=lambda e: (e.key, e.idb))
        result[name] = [(e.key.hex(), e.id) for e in ordered]
    return result


def canonical_line(item: PopulationItem) -> bytes:
    """The one byte form of an item in the population file."""
    row = [item.id, str(item.weight), item.stratum]
    return (json.dumps(row, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def population_lines(items: Iterable[PopulationItem]) -> Iterator[bytes]:
    """Population file lines, sorted by id bytes, so the export is reproducible and
    its ``sha256sum`` is the population hash. Duplicate ids are an error."""
    rows = sorted(((it.id.encode("utf-8"), it) for it in items), key=lambda r: r[0])
    for i in range(1, len(rows)):
        if rows[i][0] == rows[i - 1][0]:
            raise SamplingError(f"Mã phần tử trùng lặp: {rows[i][1].id}")
    for _, it in rows:
        yield canonical_line(it)


def population_sha256(items: Iterable[PopulationItem]) -> tuple[str, int]:
    """(hex SHA-256 of the population file, number of items)."""
    h = hashlib.sha256()
    count = 0
    for line in population_lines(items):
        h.update(line)
        count += 1
    return h.hexdigest(), count


def _parse_line(no: int, line: bytes) -> PopulationItem:
    if not line.endswith(b"\n"):
        raise SamplingError(f"Dòng {no}: thiếu ký tự xuống dòng ở cuối")
    try:
        row = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SamplingError(f"Dòng {no}: không phải JSON UTF-8 hợp lệ") from exc
    if not (isinstance(row, list) and len(row) == 3 and all(isinstance(v, str) for v in row)):
        raise SamplingError(f'Dòng {no}: phải có dạng ["mã","trọng số","tầng"]')
    if not _WEIGHT_RE.fullmatch(row[1]):
        raise SamplingError(f"Dòng {no}: Trọng số phải là số nguyên ≥ 1")
    item = make_item(row[0], int(row[1]), row[2])
    if canonical_line(item) != line:
        raise SamplingError(f"Dòng {no}: không ở dạng chuẩn của vsample-v1")
    return item


def parse_population_lines(lines: Iterable[bytes]) -> list[PopulationItem]:
    """Read an exported population file back, refusing anything that is not exactly
    the canonical form (malformed, unsorted or duplicate lines), because a file that
    is not canonical could hash differently from the population it claims to be."""
    items: list[PopulationItem] = []
    prev: bytes | None = None
    for no, line in enumerate(lines, start=1):
        item = _parse_line(no, line)
        idb = item.id.encode("utf-8")
        if prev is not None:
            if idb == prev:
                raise SamplingError(f"Dòng {no}: Mã phần tử trùng lặp: {item.id}")
            if idb < prev:
                raise SamplingError(f"Dòng {no}: các dòng không được sắp xếp theo mã phần tử")
        prev = idb
        items.append(item)
    return items


@dataclass
class VerifyResult:
    """Outcome of a verification; ``problems`` are Vietnamese sentences for users."""

    ok: bool
    problems: list[str] = field(default_factory=list)


def _read_lines(source: Any) -> list[bytes]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            return list(fh)
    if isinstance(source, (bytes, bytearray)):
        return bytes(source).splitlines(keepends=True)
    return [bytes(line) for line in source]


def verify(record: Mapping[str, Any], population_path_or_lines: Any) -> VerifyResult:
    """Re-derive a draw from its record and the exported population file.

    ``record`` needs ``algorithm``, ``domain``, ``seed``, ``population_sha256``,
    ``population_size``, ``sizes`` (stratum -> k) and ``sample`` (stratum ->
    [[key_hex, id], ...]); an optional ``seed_commitment`` is checked against the
    seed. The second argument is a file path, the file's bytes or its lines.
    """
    problems: list[str] = []
    can_draw = True
    if record.get("algorithm") != ALGORITHM:
        can_draw = False
        problems.append(f"Thuật toán phải là {ALGORITHM}, hồ sơ ghi {record.get('algorithm')!r}")
    seed, domain = record.get("seed"), record.get("domain")
    try:
        validate_seed(seed)  # type: ignore[arg-type]
        if "seed_commitment" in record and commitment(seed) != record["seed_commitment"]:
            problems.append("Hạt giống không khớp với cam kết (commitment) đã công bố")
    except SamplingError as exc:
        can_draw = False
        problems.append(str(exc))
    if not isinstance(domain, str) or not domain:
        can_draw = False
        problems.append("Hồ sơ thiếu tên lượt chọn mẫu (domain)")
    try:
        lines = _read_lines(population_path_or_lines)
    except OSError as exc:
        return VerifyResult(False, problems + [f"Không đọc được tệp tổng thể: {exc}"])
    digest = hashlib.sha256(b"".join(lines)).hexdigest()
    if digest != record.get("population_sha256"):
        problems.append(f"Mã băm tổng thể không khớp: hồ sơ ghi {record.get('population_sha256')}, tệp có {digest}")
    try:
        items = parse_population_lines(lines)
    except SamplingError as exc:
        return VerifyResult(False, problems + [f"Tệp tổng thể không hợp lệ: {exc}"])
    if len(items) != record.get("population_size"):
        problems.append(f"Số phần tử không khớp: hồ sơ ghi {record.get('population_size')}, tệp có {len(items)}")
    sizes, sample = record.get("sizes"), record.get("sample")
    if not isinstance(sizes, Mapping) or not isinstance(sample, Mapping):
        return VerifyResult(False, problems + ["Hồ sơ thiếu cỡ mẫu (sizes) hoặc mẫu (sample)"])
    if not all(isinstance(rows, (list, tuple)) for rows in sample.values()):
        return VerifyResult(False, problems + ["Mẫu (sample) của mỗi tầng phải là một danh sách"])
    sample = {_nfc(str(name)): list(rows) for name, rows in sample.items()}
    try:
        want = _check_sizes(sizes)
    except SamplingError as exc:
        return VerifyResult(False, problems + [str(exc)])
    for name in sample:
        if name not in want:
            problems.append(f"Tầng {name!r} có trong mẫu nhưng không có cỡ mẫu")
    if not can_draw:
        return VerifyResult(False, problems)
    try:
        expected = draw(items, domain=domain, seed=seed, sizes=want)  # type: ignore[arg-type]
    except SamplingError as exc:
        return VerifyResult(False, problems + [str(exc)])
    for name, exp in expected.items():
        got = [tuple(e) if isinstance(e, (list, tuple)) else e for e in sample.get(name, [])]
        if len(got) > want[name]:
            problems.append(f"Tầng {name!r}: mẫu có {len(got)} phần tử, nhiều hơn cỡ mẫu {want[name]}")
        if got != exp:
            pos = next((i for i, (a, b) in enumerate(zip(got, exp)) if a != b), min(len(got), len(exp)))
            have = got[pos] if pos < len(got) else "(không có)"
            calc = exp[pos] if pos < len(exp) else "(không có)"
            problems.append(
                f"Tầng {name!r}: mẫu khác với mẫu tính lại tại vị trí {pos + 1}: "
                f"hồ sơ ghi {have}, tính lại được {calc}"
            )
    return VerifyResult(not problems, problems)
