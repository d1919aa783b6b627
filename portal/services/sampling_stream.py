"""``vsample-v1`` in one streamed pass: the draw and the population file together.

Why: :func:`portal.services.sampling.draw` takes :class:`PopulationItem` objects and
:func:`~portal.services.sampling.population_lines` sorts every line in memory.
Over a million database rows that costs one validated object per row, a second
pass and hundreds of megabytes. Here the rows come as plain tuples, in batches,
ideally already in the byte order of their ids (``ORDER BY code`` in byte order);
each row is validated, normalised, keyed and turned into its canonical line in
one tight loop, and lines are written as they come.

The result is exactly that of ``draw`` and ``population_lines`` over the same
items (the tests compare them on random populations): same NFC rule, same keys,
same tie-break, same lines, duplicates refused. Rows that arrive out of order
(an id stored in decomposed form, a collation that is not byte order) are not an
error: they are handed back as *stragglers* and :func:`merge_lines` puts them in
place afterwards, where duplicates that were not adjacent are found too. A draw
is therefore only valid once its lines were merged.
"""
from __future__ import annotations

import heapq
import json
import unicodedata
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _json_string
from typing import Any, Callable, Iterable, Iterator, Sequence

from .sampling import PROGRESS_EVERY, SamplingError, _check_sizes, _Entry, make_prefix

_ZERO = b"\0\0\0\0"


@dataclass
class StreamedDraw:
    """What one pass found. ``sample`` is as :func:`sampling.draw` returns it."""

    sample: dict[str, list[tuple[str, str]]]
    count: int
    #: (NFC id, row) for each row whose id was not stored in NFC.
    renamed: list[tuple[str, Sequence[Any]]] = field(default_factory=list)
    #: (id bytes, canonical line) of the rows that were not written in order.
    stragglers: list[tuple[bytes, bytes]] = field(default_factory=list)


def _weight(value: Any, iid: str) -> int:
    """As strict as :class:`PopulationItem`: an int (not a bool, not a float) ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SamplingError(f"Trọng số phải là số nguyên ≥ 1 (phần tử {iid!r}: {value!r})")
    return int(value)


class _Stratum:
    """Per-stratum state: its NFC name, the tail of its lines per weight, and (if it
    is sampled) the heap of the k smallest keys with the largest one at hand."""

    __slots__ = ("name", "tails", "k", "heap", "top_key", "top_idb")

    def __init__(self, name: str, k: int) -> None:
        self.name, self.k = name, k
        self.tails: dict[int, bytes] = {}
        self.heap: list[_Entry] = []
        self.top_key: bytes | None = None  # set once the heap holds k entries
        self.top_idb = b""

    def tail(self, weight: int) -> bytes:
        """``,"<weight>","<stratum>"]\\n`` — the same for every row of this stratum and weight."""
        text = self.tails.get(weight)
        if text is None:
            try:
                text = f',"{weight}",{_json_string(self.name)}]\n'.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise SamplingError(f"Tầng chứa ký tự không hợp lệ: {self.name!r}") from exc
            self.tails[weight] = text
        return text

    def offer(self, key: bytes, idb: bytes, iid: str) -> None:
        heap = self.heap
        if self.top_key is None:
            heapq.heappush(heap, _Entry(key, idb, iid))
            if len(heap) < self.k:
                return
        elif key < self.top_key or (key == self.top_key and idb < self.top_idb):
            heapq.heapreplace(heap, _Entry(key, idb, iid))
        else:
            return
        self.top_key, self.top_idb = heap[0].key, heap[0].idb

    def result(self) -> list[tuple[str, str]]:
        return [(e.key.hex(), e.id) for e in sorted(self.heap, key=lambda e: (e.key, e.idb))]


def draw_stream(
    batches: Iterable[Sequence[Sequence[Any]]],
    *,
    domain: str,
    seed: str,
    sizes: dict[str, int],
    write: Callable[[bytes], None],
    progress: Callable[[int], None] | None = None,
) -> StreamedDraw:
    """Draw and write the population file in one pass over ``batches``.

    Each batch is a sequence of rows ``(id, weight, stratum, *anything)``. Lines of
    rows arriving in strictly ascending byte order of their NFC id are passed to
    ``write`` (one chunk per batch, in order); the others are returned as
    stragglers for :func:`merge_lines`. ``progress(n)`` is called when a batch
    crosses a multiple of 10,000 rows, and at the end.
    """
    want = _check_sizes(sizes)
    prefix = make_prefix(domain, seed)
    strata: dict[Any, _Stratum] = {}
    by_name: dict[str, _Stratum] = {}
    lengths: dict[int, bytes] = {}
    out = StreamedDraw(sample={}, count=0)
    stragglers, renamed = out.stragglers, out.renamed
    prev = b""
    n = 0
    normalize, is_normalized = unicodedata.normalize, unicodedata.is_normalized
    copy = prefix.copy
    for batch in batches:
        lines: list[bytes] = []
        for row in batch:
            iid, weight, raw = row[0], row[1], row[2]
            stratum = strata.get(raw)
            if stratum is None:
                if not isinstance(raw, str):
                    raise SamplingError("Mã phần tử và tầng phải là chuỗi ký tự")
                name = normalize("NFC", raw)
                stratum = by_name.get(name)
                if stratum is None:
                    stratum = by_name[name] = _Stratum(name, want.get(name, 0))
                strata[raw] = stratum
            if iid.__class__ is not str or not iid:
                if not isinstance(iid, str):
                    raise SamplingError("Mã phần tử và tầng phải là chuỗi ký tự")
                raise SamplingError("Mã phần tử không được để trống")
            if not iid.isascii() and not is_normalized("NFC", iid):
                renamed.append((normalize("NFC", iid), row))
                iid = renamed[-1][0]
            if weight.__class__ is not int or weight < 1:
                weight = _weight(weight, iid)
            try:
                idb = iid.encode("utf-8")
                head = b"[" + _json_string(iid).encode("utf-8")
            except UnicodeEncodeError as exc:
                raise SamplingError(f"Mã phần tử hoặc tầng chứa ký tự không hợp lệ: {iid!r}") from exc
            line = head + (stratum.tails.get(weight) or stratum.tail(weight))
            if idb > prev:
                prev = idb
                lines.append(line)
            elif idb == prev:
                raise SamplingError(f"Mã phần tử trùng lặp: {iid}")
            else:
                stragglers.append((idb, line))
            if stratum.k:
                size = len(idb)
                ticket = (lengths.get(size) or lengths.setdefault(size, size.to_bytes(4, "big"))) + idb
                h = copy()
                h.update(ticket + _ZERO)
                key = h.digest()
                if weight > 1:
                    for j in range(1, weight):
                        h = copy()
                        h.update(ticket + j.to_bytes(4, "big"))
                        other = h.digest()
                        if other < key:
                            key = other
                top = stratum.top_key
                if top is None or key <= top:
                    stratum.offer(key, idb, iid)
        if lines:
            write(b"".join(lines))
        before, n = n, n + len(batch)
        if progress is not None and n // PROGRESS_EVERY != before // PROGRESS_EVERY:
            progress(n)
    if progress is not None and n % PROGRESS_EVERY != 0:
        progress(n)
    out.count = n
    out.sample = {name: (by_name[name].result() if name in by_name else []) for name in want}
    return out


def _id_of(line: bytes) -> bytes:
    return json.loads(line)[0].encode("utf-8")


def merge_lines(ordered: Iterable[bytes], stragglers: list[tuple[bytes, bytes]]) -> Iterator[bytes]:
    """The canonical file: ``ordered`` lines (as written by :func:`draw_stream`) with
    the stragglers put in place; any two rows with the same id are an error."""
    extra = sorted(stragglers)
    prev: bytes | None = None
    for idb, line in heapq.merge(((_id_of(line), line) for line in ordered), extra):
        if idb == prev:
            raise SamplingError(f"Mã phần tử trùng lặp: {idb.decode('utf-8')}")
        prev = idb
        yield line
