"""Side constraints every model shares: p new sites, a budget, per-district minimums."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from govkiosk.platform.placement.problem import PlacementInputError, PlanOptions, Sites

_EPS = 1e-9


@dataclass(frozen=True)
class SideConstraints:
    """The limits a plan must respect, as arrays over the site index."""

    p: int | None  # at most p new sites; None = no limit (LSCP)
    budget: float | None
    cost: np.ndarray  # (m,)
    fixed: np.ndarray  # (m,) bool
    district_code: np.ndarray  # (m,) int; -1 = a district without a minimum
    district_min: np.ndarray  # (k,) minimum new sites per coded district

    @classmethod
    def build(cls, sites: Sites, options: PlanOptions, p: int | None) -> SideConstraints:
        """Check the options against the sites and code the districts with a minimum."""
        names = sorted(options.district_min)
        code = np.full(len(sites), -1, dtype=np.int64)
        for k, name in enumerate(names):
            members = (sites.district == name) & ~sites.fixed
            if not members.any() and options.district_min[name] > 0:
                known = ", ".join(sorted({str(d) for d in sites.district[~sites.fixed] if d})) or "none"
                raise PlacementInputError(
                    f"--district-min: unknown district '{name}' (candidate sites are in: {known})"
                )
            if members.sum() < options.district_min[name]:
                raise PlacementInputError(
                    f"district '{name}' needs {options.district_min[name]} new sites "
                    f"but has only {int(members.sum())} candidates"
                )
            code[members] = k
        minimum = np.array([options.district_min[n] for n in names], dtype=np.int64)
        if p is not None and minimum.sum() > p:
            raise PlacementInputError(
                f"district minimums ask for {int(minimum.sum())} new sites, more than p={p}"
            )
        _check_budget(sites, options, names)
        return cls(p, options.budget, sites.cost.astype(float), sites.fixed.copy(), code, minimum)

    def counts(self, is_open: np.ndarray) -> np.ndarray:
        """New sites open per coded district."""
        chosen = is_open & ~self.fixed & (self.district_code >= 0)
        return np.bincount(self.district_code[chosen], minlength=len(self.district_min))

    def spent(self, is_open: np.ndarray) -> float:
        return float(self.cost[is_open & ~self.fixed].sum())

    def feasible(self, is_open: np.ndarray) -> bool:
        """Whether a set of open sites respects every limit."""
        new = int((is_open & ~self.fixed).sum())
        if self.p is not None and new > self.p:
            return False
        if self.budget is not None and self.spent(is_open) > self.budget + _EPS:
            return False
        return bool((self.counts(is_open) >= self.district_min).all())

    def addable(self, is_open: np.ndarray) -> np.ndarray:
        """Mask of closed free sites whose opening keeps the rest of the plan completable."""
        mask = ~is_open & ~self.fixed
        if self.budget is not None:
            mask &= self.cost <= self.budget - self.spent(is_open) + _EPS
        if self.p is not None and len(self.district_min):
            unmet = np.maximum(self.district_min - self.counts(is_open), 0)
            slots = self.p - int((is_open & ~self.fixed).sum())
            if slots <= unmet.sum():  # every remaining slot is owed to a district still short
                owed = np.flatnonzero(unmet > 0)
                mask &= np.isin(self.district_code, owed)
        return mask

    def swap_mask(self, is_open: np.ndarray, into: np.ndarray, out: np.ndarray) -> np.ndarray:
        """(len(into), len(out)) mask of swaps (open `into[a]`, close `out[b]`) that stay feasible."""
        ok = np.ones((len(into), len(out)), dtype=bool)
        if self.budget is not None:
            spent = self.spent(is_open)
            ok &= spent - self.cost[out][None, :] + self.cost[into][:, None] <= self.budget + _EPS
        if len(self.district_min):
            counts = self.counts(is_open)
            code_out = self.district_code[out]
            # Closing a site is fine if its district has no minimum, keeps a surplus, or gets the new site.
            spare = (code_out < 0) | (
                counts[np.maximum(code_out, 0)] > self.district_min[np.maximum(code_out, 0)]
            )
            ok &= spare[None, :] | (self.district_code[into][:, None] == code_out[None, :])
        return ok


def _check_budget(sites: Sites, options: PlanOptions, names: list[str]) -> None:
    """The cheapest sites meeting every district minimum must fit the budget (districts do not overlap)."""
    if options.budget is None or not names:
        return
    need = {}
    for name in names:
        costs = np.sort(sites.cost[(sites.district == name) & ~sites.fixed])
        need[name] = float(costs[: options.district_min[name]].sum())
    if sum(need.values()) > options.budget + _EPS:
        detail = ", ".join(f"{n}={options.district_min[n]} costs ≥ {c:g}" for n, c in need.items())
        raise PlacementInputError(
            f"budget {options.budget:g} is too small for the district minimums ({detail}; "
            f"{sum(need.values()):g} in all)"
        )
