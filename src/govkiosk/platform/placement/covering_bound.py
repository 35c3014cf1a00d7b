"""An upper bound on maximal covering (MCLP) that scales to a city: Lagrangian relaxation, subgradient steps.

Why every value reported is a valid bound. Take any plan y ∈ {0,1}ᵐ that meets the side constraints and its
coverage cᵢ ∈ [0, 1] with cᵢ ≤ Σⱼ aᵢⱼyⱼ. For any multipliers λ ≥ 0,

    Σ wᵢcᵢ = Σ (wᵢ − λᵢ)cᵢ + Σ λᵢcᵢ ≤ Σ (wᵢ − λᵢ)cᵢ + Σᵢ λᵢ Σⱼ aᵢⱼyⱼ          (λ ≥ 0, c ≤ Ay)
           ≤ Σ max(0, wᵢ − λᵢ) + Σⱼ sⱼyⱼ,   s = Aᵀλ ≥ 0                         (0 ≤ c ≤ 1)
           ≤ Σ max(0, wᵢ − λᵢ) + min(the p largest sⱼ summed, the budget's fractional knapsack on s).

The last step drops every side constraint but one: a plan with at most p new sites gets at most the p
largest sⱼ, and a plan within the budget gets at most the Dantzig (fractional) knapsack value; district
minimums only shrink the set of plans. So L(λ) bounds every feasible plan, whatever λ ≥ 0 is: the
subgradient search below only decides how tight it is (its best equals the LP relaxation's bound when only
p binds). The arithmetic is float64 sums of non-negative terms; the value is widened by a relative 10⁻⁹
before it is rounded down to an integer when every weight is one (a plan's coverage is then an integer).

The start comes from the plan already found (complementary slackness of the LP): λᵢ = wᵢ for demand the plan
leaves uncovered, 0 for demand it covers twice or more, θ·wᵢ for demand it covers once (θ picked from a few
values). On the 100,000 × 10,000 city that start alone is within a fraction of a per cent of the plan.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from govkiosk.platform.placement.constraints import SideConstraints

THETAS = (0.0, 0.25, 0.5, 0.75, 1.0)  # shares of a once-covered point's weight tried as its start multiplier
_WIDEN = 1e-9  # relative slack for float64 rounding before an integral bound is rounded down


@dataclass(frozen=True)
class CoverBound:
    """The best Lagrangian bound found (on covered weight of the model it was computed on)."""

    value: float
    iterations: int
    seconds: float


def mclp_bound(
    a: sp.csr_matrix,
    w: np.ndarray,
    sc: SideConstraints,
    plan: np.ndarray,
    deadline: float,
    *,
    target: float | None = None,
    report: Callable[[float, int], None] | None = None,
) -> CoverBound:
    """Upper bound on Σ w·[covered] over every plan meeting `sc` (no fixed sites), improved until `deadline`.

    `plan` (a feasible plan over the columns) seeds the multipliers; `target` (a plan's value, a lower bound
    on the optimum) sets the step lengths; `report(bound, iterations)` is called after every step."""
    started = time.monotonic()
    a = a.tocsr().astype(np.float64)
    at = a.T.tocsr()
    w = np.asarray(w, dtype=np.float64)
    goal = _covered(a, w, plan) if target is None else target
    lam, best = _start(a, at, w, sc, plan)
    close = 1.0 - 1e-6 if np.all(w == np.round(w)) else 1e-7 * max(1.0, goal)  # nothing left to prove
    step, idle, iterations = 0.5, 0, 0
    while time.monotonic() < deadline and step > 1e-5 and best - goal >= close:
        value, y = _lagrangian(at, w, sc, lam)
        iterations += 1
        if value < best:
            best, idle = value, 0
        else:
            idle += 1
            if idle >= 10:
                step, idle = step / 2, 0
        g = (w > lam).astype(np.float64) - a @ y  # −∂L/∂λ: step λ along it, then back to λ ≥ 0
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = np.maximum(0.0, lam + step * max(value - goal, 1e-9 * value) / norm * g)
        if report is not None:
            report(best, iterations)
    return CoverBound(_rounded(best, w), iterations, time.monotonic() - started)


def _covered(a: sp.csr_matrix, w: np.ndarray, plan: np.ndarray) -> float:
    return float(w[(a @ plan.astype(np.float64)) > 0].sum())


def _start(
    a: sp.csr_matrix, at: sp.csr_matrix, w: np.ndarray, sc: SideConstraints, plan: np.ndarray
) -> tuple[np.ndarray, float]:
    """Multipliers read off the plan (see the module docstring) and their bound; the trivial Σw if lower."""
    count = a @ plan.astype(np.float64)
    best_lam, best = np.zeros_like(w), float(w.sum())  # λ = 0 with p ≥ 0: every weight counted, L = Σw
    for theta in THETAS:
        lam = np.where(count == 0, w, np.where(count == 1, theta * w, 0.0))
        value, _ = _lagrangian(at, w, sc, lam)
        if value < best:
            best_lam, best = lam, value
    return best_lam, best


def _lagrangian(
    at: sp.csr_matrix, w: np.ndarray, sc: SideConstraints, lam: np.ndarray
) -> tuple[float, np.ndarray]:
    """L(λ) and the sites y the relaxation opens (its subgradient's other half)."""
    s = np.maximum(at @ lam, 0.0)
    value, y = _best_sites(s, sc)
    return float(np.maximum(w - lam, 0.0).sum()) + value, y


def _best_sites(s: np.ndarray, sc: SideConstraints) -> tuple[float, np.ndarray]:
    """An upper bound on max s·y over the plans (p largest, or the budget's fractional knapsack if lower)."""
    m = len(s)
    best, y = float(s.sum()), np.ones(m)
    if sc.p is not None and sc.p < m:
        top = np.argpartition(-s, sc.p - 1)[: sc.p] if sc.p > 0 else np.zeros(0, dtype=np.int64)
        best, y = float(s[top].sum()), np.zeros(m)
        y[top] = 1.0
    if sc.budget is not None:
        knap, y_knap = _fractional_knapsack(s, sc.cost, sc.budget)
        if knap < best:
            best, y = knap, y_knap
    return best, y


def _fractional_knapsack(s: np.ndarray, cost: np.ndarray, budget: float) -> tuple[float, np.ndarray]:
    """Dantzig's bound: sites by value per cost (free ones first), the last one taken in part."""
    free = cost <= 0
    order = np.argsort(-s / np.where(free, 1.0, cost), kind="stable")
    order = np.concatenate([np.flatnonzero(free), order[~free[order]]])
    spent = np.cumsum(cost[order])
    y = np.zeros(len(s))
    whole = order[spent <= budget]
    y[whole] = 1.0
    value = float(s[whole].sum())
    rest = order[spent > budget]
    if len(rest):
        left = budget - (float(cost[whole].sum()) if len(whole) else 0.0)
        share = min(1.0, max(0.0, left / cost[rest[0]]))
        y[rest[0]] = share
        value += share * float(s[rest[0]])
    return value, y


def _rounded(value: float, w: np.ndarray) -> float:
    """Widened for float rounding; rounded down when every plan's coverage is an integer."""
    widened = value * (1.0 + _WIDEN) + _WIDEN
    return float(math.floor(widened)) if np.all(w == np.round(w)) else widened
