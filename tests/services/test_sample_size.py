"""Tests for portal/services/sample_size.py against published audit tables and an
exact brute-force search written here with integers and fractions only."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from portal.services.sample_size import HYPERGEOMETRIC_MAX_N, suggest_sample_size

LARGE_N = 10_000_000

# AICPA Audit Sampling guide, table for 5 % risk of overreliance (95 % confidence):
# (tolerable, expected) -> sample size.
AICPA_95 = {
    (0.02, 0.0): 149, (0.03, 0.0): 99, (0.04, 0.0): 74, (0.05, 0.0): 59, (0.06, 0.0): 49,
    (0.07, 0.0): 42, (0.08, 0.0): 36, (0.09, 0.0): 32, (0.10, 0.0): 29, (0.15, 0.0): 19,
    (0.20, 0.0): 14,
    (0.02, 0.0025): 236, (0.03, 0.0025): 157, (0.04, 0.0025): 117, (0.05, 0.0025): 93,
    (0.03, 0.0075): 208, (0.04, 0.01): 156, (0.05, 0.01): 93, (0.06, 0.01): 78,
    (0.04, 0.015): 192, (0.05, 0.015): 124, (0.06, 0.015): 103, (0.07, 0.015): 66,
    (0.04, 0.0175): 227, (0.05, 0.0175): 153, (0.07, 0.0175): 88, (0.08, 0.0175): 77,
    (0.05, 0.02): 181, (0.06, 0.02): 127, (0.09, 0.02): 68, (0.10, 0.02): 46,
    (0.06, 0.03): 195, (0.07, 0.03): 129, (0.08, 0.03): 95, (0.09, 0.03): 84, (0.10, 0.03): 61,
    (0.08, 0.04): 146, (0.09, 0.04): 100, (0.10, 0.04): 89, (0.15, 0.04): 40, (0.20, 0.04): 22,
}


@pytest.mark.parametrize("rates, expected", sorted(AICPA_95.items()))
def test_matches_aicpa_table_for_large_populations(rates, expected):
    tolerable, expected_rate = rates
    assert suggest_sample_size(LARGE_N, tolerable, expected_rate) == expected


def test_headline_values():
    assert suggest_sample_size(1_000_000, 0.05) == 59
    assert suggest_sample_size(1_000_000, 0.05, 0.01) == 93
    assert suggest_sample_size(1_000_000, 0.10) == 29
    # AICPA 10 % risk table: tolerable 5 %, none expected -> 45.
    assert suggest_sample_size(1_000_000, 0.05, confidence=0.90) == 45


def _exact_search(n_pop: int, tolerable: str, expected: str, confidence: str, hyper: bool) -> int:
    """Brute force: first n whose exact tail probability is within the risk."""
    pt, pe, alpha = Fraction(tolerable), Fraction(expected), 1 - Fraction(confidence)
    deviants = math.ceil(pt * n_pop)
    for n in range(1, n_pop + 1):
        k = math.ceil(pe * n)
        if hyper:
            tail = Fraction(
                sum(math.comb(deviants, i) * math.comb(n_pop - deviants, n - i) for i in range(k + 1)),
                math.comb(n_pop, n),
            )
        else:
            tail = sum(math.comb(n, i) * pt**i * (1 - pt) ** (n - i) for i in range(k + 1))
        if tail <= alpha:
            return n
    return n_pop


@pytest.mark.parametrize(
    "n_pop, tolerable, expected",
    [(100, "0.05", "0"), (100, "0.1", "0.02"), (250, "0.05", "0.01"), (1000, "0.05", "0"),
     (1000, "0.04", "0.01"), (40, "0.1", "0"), (3000, "0.03", "0.005"), (5000, "0.05", "0.01")],
)
def test_small_populations_use_exact_hypergeometric(n_pop, tolerable, expected):
    assert n_pop <= HYPERGEOMETRIC_MAX_N
    want = _exact_search(n_pop, tolerable, expected, "0.95", hyper=True)
    assert suggest_sample_size(n_pop, float(tolerable), float(expected)) == want


def test_known_small_population_value():
    # N=100, 5 deviants, none expected: C(95,n)/C(100,n) <= 5 % first at n = 45.
    assert suggest_sample_size(100, 0.05) == 45
    assert suggest_sample_size(100, 0.05) < suggest_sample_size(LARGE_N, 0.05)


@pytest.mark.parametrize("n_pop, tolerable, expected", [(5001, "0.05", "0.01"), (20_000, "0.03", "0.01")])
def test_large_populations_use_binomial(n_pop, tolerable, expected):
    want = _exact_search(n_pop, tolerable, expected, "0.95", hyper=False)
    assert suggest_sample_size(n_pop, float(tolerable), float(expected)) == want


def test_capped_at_population_size():
    assert suggest_sample_size(10, 0.05, 0.01) == 10  # no sample short of a census works
    assert suggest_sample_size(1, 0.5) == 1
    assert suggest_sample_size(30, 0.10) <= 30
    # N=200 with 4 deviants, 3 allowed: only a sample leaving out <= 2 items is enough.
    assert suggest_sample_size(200, 0.02, 0.015) == 198 == _exact_search(200, "0.02", "0.015", "0.95", hyper=True)


def test_monotone_in_tolerable_rate():
    sizes = [suggest_sample_size(1_000_000, t / 100, 0.005) for t in range(2, 21)]
    assert sizes == sorted(sizes, reverse=True)


def test_float_rates_are_read_as_decimals():
    # 0.07 * 100 is 7.000000000000001 in binary floating point; it must count as 7.
    assert suggest_sample_size(LARGE_N, 0.10, 0.07) == _exact_search(LARGE_N, "0.10", "0.07", "0.95", hyper=False)


def test_extreme_rates_finish_quickly():
    n = suggest_sample_size(1_000_000, 0.05, 0.049)
    assert 100_000 < n < 200_000


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((0, 0.05), "Quy mô tổng thể"),
        ((-5, 0.05), "Quy mô tổng thể"),
        ((True, 0.05), "Quy mô tổng thể"),
        ((10.0, 0.05), "Quy mô tổng thể"),
        ((100, 0.0), "chấp nhận được phải nằm trong khoảng"),
        ((100, 1.0), "chấp nhận được phải nằm trong khoảng"),
        ((100, 1.5), "chấp nhận được phải nằm trong khoảng"),
        ((100, -0.1), "chấp nhận được phải nằm trong khoảng"),
        ((100, float("nan")), "phải là một số"),
        ((100, "0.05"), "phải là một số"),
        ((100, 0.05, -0.01), "dự kiến phải nằm trong khoảng"),
        ((100, 0.05, 0.05), "dự kiến phải nhỏ hơn"),
        ((100, 0.05, 0.2), "dự kiến phải nhỏ hơn"),
        ((100, 0.05, 0.0, 1.0), "Độ tin cậy"),
        ((100, 0.05, 0.0, 0.0), "Độ tin cậy"),
    ],
)
def test_impossible_input_rejected(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        suggest_sample_size(*args)
