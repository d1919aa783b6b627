"""The population file of each draw, written once at draw time.

Why a file: the population changes after a draw (tasks close, units merge), and
risk weights depend on the day, so re-deriving it at export time would give a
different hash. The exact lines the draw hashed are therefore written when the
sample is drawn, under ``SAMPLES_DIR/<sample id>/<population_sha256>.jsonl``
(default ``instance/samples``). The name carries the hash, so a file is immutable
once written and an interrupted or concurrent draw can never leave a file that
disagrees with the record. In production ``SAMPLES_DIR`` must be storage every
worker and web host shares (or run the draw and the exports on one host).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Callable, Iterable, Iterator

from . import DomainError

CHUNK = 1 << 16


def samples_root(config: dict[str, object] | object, instance_path: str) -> Path:
    """``SAMPLES_DIR`` from the config, else ``<instance>/samples``."""
    configured = config.get("SAMPLES_DIR") if hasattr(config, "get") else None  # type: ignore[union-attr]
    return Path(str(configured)) if configured else Path(instance_path) / "samples"


def population_path(root: Path, sample_id: int, sha256: str) -> Path:
    return root / str(int(sample_id)) / f"{sha256}.jsonl"


def write_population(root: Path, sample_id: int, lines: Iterable[bytes]) -> tuple[str, int, Path]:
    """Write the canonical lines (already sorted) and return (sha256, count, path).

    Written to a temporary file first and renamed, so a reader never sees half a file.
    """
    directory = root / str(int(sample_id))
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    count = 0
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".population-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for line in lines:
                digest.update(line)
                fh.write(line)
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        sha = digest.hexdigest()
        final = population_path(root, sample_id, sha)
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return sha, count, final


class PopulationFile:
    """A population file written as the draw streams (chunks of canonical lines).

    The lines go to a temporary file in the sample's directory while their SHA-256
    is computed; :meth:`finish` renames it to its final, hash-named path. When some
    lines arrived out of order, :meth:`finish_merged` rewrites the file through a
    merge. Leaving the ``with`` block without finishing removes the temporary file.
    """

    def __init__(self, root: Path, sample_id: int) -> None:
        self.root, self.sample_id = root, int(sample_id)
        directory = root / str(self.sample_id)
        directory.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(dir=directory, prefix=".population-", suffix=".tmp")
        self.fh = os.fdopen(fd, "wb", buffering=CHUNK * 4)
        self.digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.fh.write(chunk)

    def finish(self) -> tuple[str, Path]:
        """Sync and rename; returns (sha256, path)."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        sha = self.digest.hexdigest()
        final = population_path(self.root, self.sample_id, sha)
        os.replace(self.tmp, final)
        return sha, final

    def finish_merged(self, merge: Callable[[Iterator[bytes]], Iterable[bytes]]) -> tuple[str, Path]:
        """Write ``merge(lines written so far)`` as the final file instead."""
        self.fh.close()
        with open(self.tmp, "rb") as written:
            sha, _, final = write_population(self.root, self.sample_id, merge(iter(written)))
        os.unlink(self.tmp)
        return sha, final

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)

    def __enter__(self) -> "PopulationFile":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.discard()


def share_population(root: Path, source: Path, sample_id: int, sha256: str) -> Path:
    """Give an extension its own copy of its parent's population (a hard link when
    possible): each record's export stands alone."""
    target = population_path(root, sample_id, sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    return target


def stored_population(root: Path, sample_id: int, sha256: str | None) -> Path:
    """The stored file of a drawn sample, or a Vietnamese error if it is missing."""
    if not sha256:
        raise DomainError("Mẫu chưa được rút nên chưa có tệp tổng thể.")
    path = population_path(root, sample_id, sha256)
    if not path.is_file():
        raise DomainError(
            f"Không tìm thấy tệp tổng thể của mẫu #{sample_id} ({path}). "
            "Kiểm tra SAMPLES_DIR có phải thư mục dùng chung giữa các máy không."
        )
    return path


def read_checked(path: Path, sha256: str) -> Iterator[bytes]:
    """Stream a stored file in chunks, failing if its hash is not the record's
    (a file damaged on disk must not be exported as if it were the draw's)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            yield chunk
    if digest.hexdigest() != sha256:
        raise DomainError(f"Tệp tổng thể {path} đã bị thay đổi: mã băm không khớp với hồ sơ mẫu.")
