"""vsample-v1 seeds (portal/services/sampling.py): what a seed may be, and the
commitment published before an inspection opens."""
from __future__ import annotations

import hashlib

import pytest

from portal.services.sampling import SamplingError, commitment, new_seed, validate_seed


@pytest.mark.parametrize("seed", ["1" * 20, "0" * 200, "ab" * 32, "AB" * 32, "0123456789" * 4])
def test_valid_seeds(seed):
    assert validate_seed(seed) == seed


@pytest.mark.parametrize(
    "seed",
    ["1" * 19, "", "ab" * 31 + "a", "ab" * 33, "g" * 64, "1" * 20 + " ", " " + "1" * 20,
     "1" * 20 + "\n", "1234 5678 9012 3456 7890", "\u0661" * 25, None, 12345678901234567890123],
)
def test_invalid_seeds(seed):
    with pytest.raises(SamplingError, match="Hạt giống phải có ít nhất 20 chữ số thập phân hoặc 64 ký tự hex"):
        validate_seed(seed)


def test_new_seed_and_commitment():
    a, b = new_seed(), new_seed()
    assert a != b and len(a) == 64 and validate_seed(a) == a
    assert commitment(a) == hashlib.sha256(a.encode("utf-8")).hexdigest()
    with pytest.raises(SamplingError):
        commitment("short")
