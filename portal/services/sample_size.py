"""Suggested sample size for attribute (deviation-rate) sampling.

Why: an inspector picks how many units/tasks to examine; the portal suggests the
smallest sample that, if it shows no more deviations than expected, supports the
conclusion "the deviation rate is below the tolerable rate" at the chosen
confidence. The inspector may override the suggestion (the reason is recorded
elsewhere).

Rule implemented (the classic AICPA attribute-sampling table rule):

* ``k(n) = ceil(expected_rate * n)`` deviations are allowed in a sample of n.
  Rounding *up* is what the AICPA tables do (tolerable 5 %, expected 1 % -> 93 with
  1 allowed deviation; with ``floor`` the answer would be 59), so we follow them.
* The suggestion is the smallest n with ``P(X <= k(n)) <= 1 - confidence`` when the
  true deviation rate equals the tolerable rate.
* ``X`` is hypergeometric (population N, deviants ``D = ceil(tolerable * N)``,
  draws without replacement) when ``N <= 5000``; above that it is binomial, which
  differs from the exact model by far less than one item and is slightly larger
  (conservative). The result never exceeds N; if even a census cannot satisfy the
  rule the suggestion is N.

Rates are converted with ``Fraction(repr(rate))`` so that 0.07 means exactly 7/100
(no float rounding in ``ceil``). The search walks n upward with an O(1) update of
the CDF per step; values within 1e-6 of the threshold are settled with exact
integer arithmetic, so table boundaries (e.g. 93) come out exactly.
"""
from __future__ import annotations

import math
from fractions import Fraction

HYPERGEOMETRIC_MAX_N = 5_000
_EXACT_MAX_N = 3_000
_BORDER = 1e-6


def _fraction(x: float, what: str) -> Fraction:
    if isinstance(x, bool) or not isinstance(x, (int, float, Fraction)) or x != x:
        raise ValueError(f"{what} phải là một số")
    if isinstance(x, float):
        return Fraction(repr(x))  # 0.07 -> 7/100 exactly, not the binary float
    return Fraction(x)


def _ceil(fr: Fraction) -> int:
    return -((-fr.numerator) // fr.denominator)


def _logcomb(a: int, b: int) -> float:
    if b < 0 or b > a:
        return -math.inf
    return math.lgamma(a + 1) - math.lgamma(b + 1) - math.lgamma(a - b + 1)


class _Model:
    """pmf of X for sample size n, and the chance that one more draw is a deviation."""

    def __init__(self, n_pop: int, pt: Fraction, hyper: bool) -> None:
        self.N, self.pt, self.hyper = n_pop, pt, hyper
        self.D = _ceil(pt * n_pop)
        self.logp, self.logq = math.log(pt), math.log1p(-float(pt))

    def pmf(self, k: int, n: int) -> float:
        if k < 0 or k > n:
            return 0.0
        if self.hyper:
            lp = _logcomb(self.D, k) + _logcomb(self.N - self.D, n - k) - _logcomb(self.N, n)
        else:
            lp = _logcomb(n, k) + k * self.logp + (n - k) * self.logq
        return 0.0 if lp == -math.inf else math.exp(lp)

    def next_is_deviation(self, k: int, n: int) -> float:
        """P(draw n+1 is a deviation | k deviations among the first n)."""
        if not self.hyper:
            return float(self.pt)
        return max(self.D - k, 0) / (self.N - n) if self.N > n else 0.0

    def cdf_at_most_exact(self, k: int, n: int, alpha: Fraction) -> bool:
        """Exact test of P(X <= k) <= alpha with integers (used only near the border)."""
        if self.hyper:
            total = sum(math.comb(self.D, i) * math.comb(self.N - self.D, n - i) for i in range(k + 1))
            return total * alpha.denominator <= alpha.numerator * math.comb(self.N, n)
        a, b = self.pt.numerator, self.pt.denominator
        total = sum(math.comb(n, i) * a**i * (b - a) ** (n - i) for i in range(k + 1))
        return total * alpha.denominator <= alpha.numerator * b**n


def suggest_sample_size(
    population_size: int,
    tolerable_rate: float,
    expected_rate: float = 0.0,
    confidence: float = 0.95,
) -> int:
    """Smallest n such that finding at most ceil(expected_rate·n) deviations gives
    ``confidence`` that the true rate is below ``tolerable_rate``; capped at N."""
    if isinstance(population_size, bool) or not isinstance(population_size, int) or population_size < 1:
        raise ValueError("Quy mô tổng thể phải là số nguyên ≥ 1")
    pt = _fraction(tolerable_rate, "Tỷ lệ sai lệch chấp nhận được")
    pe = _fraction(expected_rate, "Tỷ lệ sai lệch dự kiến")
    conf = _fraction(confidence, "Độ tin cậy")
    if not 0 < pt < 1:
        raise ValueError("Tỷ lệ sai lệch chấp nhận được phải nằm trong khoảng (0, 1)")
    if not 0 <= pe < 1:
        raise ValueError("Tỷ lệ sai lệch dự kiến phải nằm trong khoảng [0, 1)")
    if pe >= pt:
        raise ValueError("Tỷ lệ sai lệch dự kiến phải nhỏ hơn tỷ lệ sai lệch chấp nhận được")
    if not 0 < conf < 1:
        raise ValueError("Độ tin cậy phải nằm trong khoảng (0, 1)")

    n_pop = population_size
    alpha = 1 - conf
    alpha_f = float(alpha)
    model = _Model(n_pop, pt, hyper=n_pop <= HYPERGEOMETRIC_MAX_N)
    n, k, cdf = 0, 0, 1.0  # P(X <= 0) for an empty sample
    while n < n_pop:
        # One more draw: mass at exactly k moves to k+1 with the deviation chance.
        cdf -= model.pmf(k, n) * model.next_is_deviation(k, n)
        n += 1
        new_k = _ceil(pe * n)
        while k < new_k:
            k += 1
            cdf += model.pmf(k, n)
        if abs(cdf - alpha_f) <= _BORDER and n <= _EXACT_MAX_N:
            if model.cdf_at_most_exact(k, n, alpha):
                return n
        elif cdf <= alpha_f:
            return n
    return n_pop
