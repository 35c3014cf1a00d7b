"""The MIPs, built in bulk from sparse matrices: columns y (one per site) first, model columns after."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.exact import INF, Mip


def _is_integral(values: np.ndarray) -> bool:
    return bool(np.all(np.abs(values - np.round(values)) < 1e-9))


def _site_columns(sc: SideConstraints) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of y: existing facilities are fixed open (lower = upper = 1)."""
    m = len(sc.fixed)
    return sc.fixed.astype(float), np.ones(m)


def side_rows(sc: SideConstraints, ncols: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Rows over y: Σ new ≤ p, Σ cost·new ≤ budget, Σ new in district ≥ minimum."""
    m = len(sc.fixed)
    free = (~sc.fixed).astype(float)
    rows: list[np.ndarray] = []
    bounds: list[tuple[float, float]] = []
    if sc.p is not None:
        rows.append(free)
        bounds.append((-INF, float(sc.p)))
    if sc.budget is not None:
        rows.append(free * sc.cost)
        bounds.append((-INF, float(sc.budget)))
    for k, minimum in enumerate(sc.district_min):
        rows.append(free * (sc.district_code == k))
        bounds.append((float(minimum), INF))
    lower = [b[0] for b in bounds]
    upper = [b[1] for b in bounds]
    block = sp.csr_matrix(np.array(rows).reshape(len(rows), m))
    block.resize((len(rows), ncols))
    return block, np.array(lower, dtype=float), np.array(upper, dtype=float)


def _assemble(sc: SideConstraints, model_rows: sp.csr_matrix, lower: np.ndarray, upper: np.ndarray) -> tuple:
    """Model rows stacked on the side rows."""
    side, side_lower, side_upper = side_rows(sc, model_rows.shape[1])
    matrix = sp.vstack([model_rows, side], format="csr")
    return matrix, np.concatenate([lower, side_lower]), np.concatenate([upper, side_upper])


def mclp(cover: sp.csr_matrix, w: np.ndarray, sc: SideConstraints) -> tuple[Mip, np.ndarray]:
    """Max Σ w·c  s.t.  c_i ≤ Σ_{j covers i} y_j; demand already covered by existing sites is a constant.

    Returns the MIP and the indices of the demand points that have a c column.
    """
    m = cover.shape[1]
    by_existing = np.asarray(cover[:, sc.fixed].sum(axis=1)).ravel() > 0
    open_question = np.flatnonzero(~by_existing & (np.asarray(cover.sum(axis=1)).ravel() > 0) & (w > 0))
    a = cover[open_question].astype(float)
    k = len(open_question)
    rows = sp.hstack([-a, sp.identity(k, format="csr")], format="csr")
    matrix, lower, upper = _assemble(sc, rows, np.full(k, -INF), np.zeros(k))
    y_low, y_up = _site_columns(sc)
    cost = np.concatenate([np.zeros(m), w[open_question]])
    return Mip(
        cost=cost,
        lower=np.concatenate([y_low, np.zeros(k)]),
        upper=np.concatenate([y_up, np.ones(k)]),
        integer=np.arange(m + k) < m,
        matrix=matrix,
        row_lower=lower,
        row_upper=upper,
        maximize=True,
        offset=float(w[by_existing].sum()),
        integral_objective=_is_integral(w),
    ), open_question


def set_cover(cover: sp.csr_matrix, sc: SideConstraints) -> Mip:
    """Min Σ new y  s.t. every coverable demand point not already covered by existing sites is covered."""
    m = cover.shape[1]
    by_existing = np.asarray(cover[:, sc.fixed].sum(axis=1)).ravel() > 0
    needed = np.flatnonzero(~by_existing & (np.asarray(cover.sum(axis=1)).ravel() > 0))
    rows = cover[needed].astype(float).tocsr()
    matrix, lower, upper = _assemble(sc, rows, np.ones(len(needed)), np.full(len(needed), INF))
    y_low, y_up = _site_columns(sc)
    return Mip(
        cost=(~sc.fixed).astype(float),
        lower=y_low,
        upper=y_up,
        integer=np.ones(m, dtype=bool),
        matrix=matrix,
        row_lower=lower,
        row_upper=upper,
        integral_objective=True,
    )


@dataclass(frozen=True)
class Levels:
    """Each demand point's distinct distances, sorted: the radius (Elloumi) formulation's levels."""

    order: np.ndarray  # (n, m) site index of each sorted position
    level: np.ndarray  # (n, m) 1-based level of each sorted position
    values: np.ndarray  # flat distinct distances, client after client
    start: np.ndarray  # (n,) offset of each client's first distinct distance in `values`
    count: np.ndarray  # (n,) number of distinct distances K_i

    @classmethod
    def build(cls, dist: np.ndarray) -> Levels:
        order = np.argsort(dist, axis=1, kind="stable")
        ranked = np.take_along_axis(dist, order, axis=1)
        new = np.ones(ranked.shape, dtype=bool)
        new[:, 1:] = ranked[:, 1:] > ranked[:, :-1]
        level = np.cumsum(new, axis=1)
        count = level[:, -1]
        return cls(order, level, ranked[new], np.cumsum(count) - count, count)

    def level_of(self, distance: np.ndarray) -> np.ndarray:
        """Per client: the level whose distance equals `distance[i]` (the number of levels ≤ it)."""
        ranked_new = self.values
        index = np.repeat(np.arange(len(self.count)), self.count)
        return np.bincount(
            index, weights=ranked_new <= distance[index] + 1e-9, minlength=len(self.count)
        ).astype(int)


def median_levels(lv: Levels, w: np.ndarray, depth: np.ndarray, sc: SideConstraints) -> Mip:
    """p-median, radius formulation truncated at `depth[i]` levels per client (a relaxation; exact if deep).

    z_i^k = 1 when client i has no open site within its k-th distance D_i^k. Rows, incremental form:
    z_i^1 + Σ_{d_ij = D_i^1} y_j ≥ 1 and z_i^k − z_i^{k−1} + Σ_{d_ij = D_i^k} y_j ≥ 0;
    cost Σ w_i (D^{k+1} − D^k) z_i^k.
    Truncating at L levels prices a client at min(true distance, D^{L+1}), so the optimum is a lower bound.
    """
    n, m = lv.level.shape
    depth = np.minimum(depth, lv.count - 1)
    zoff = np.cumsum(depth) - depth
    nz = int(depth.sum())
    keep = lv.level <= depth[:, None]
    ci = np.nonzero(keep)[0]
    y_rows, y_cols = zoff[ci] + lv.level[keep] - 1, lv.order[keep]
    client = np.repeat(np.arange(n), depth)
    k = np.arange(nz) - zoff[client]  # 0-based level of each z
    link = np.flatnonzero(k > 0)
    rows = np.concatenate([y_rows, np.arange(nz), link])
    cols = np.concatenate([y_cols, m + np.arange(nz), m + link - 1])
    data = np.concatenate([np.ones(len(y_rows)), np.ones(nz), -np.ones(len(link))])
    body = sp.csr_matrix((data, (rows, cols)), shape=(nz, m + nz))
    matrix, lower, upper = _assemble(sc, body, (k == 0).astype(float), np.full(nz, INF))
    step = lv.values[lv.start[client] + k + 1] - lv.values[lv.start[client] + k]
    y_low, y_up = _site_columns(sc)
    return Mip(
        cost=np.concatenate([np.zeros(m), w[client] * step]),
        lower=np.concatenate([y_low, np.zeros(nz)]),
        upper=np.concatenate([y_up, np.ones(nz)]),
        integer=np.arange(m + nz) < m,
        matrix=matrix,
        row_lower=lower,
        row_upper=upper,
        offset=float(w @ lv.values[lv.start]),
        integral_objective=_is_integral(w) and _is_integral(lv.values),
    )


def median_levels_start(lv: Levels, depth: np.ndarray, dist: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """The column vector of a plan in `median_levels`: y, then z_i^k = [nearest open distance > D_i^k]."""
    depth = np.minimum(depth, lv.count - 1)
    client = np.repeat(np.arange(len(depth)), depth)
    k = np.arange(int(depth.sum())) - (np.cumsum(depth) - depth)[client]
    nearest = dist[:, is_open].min(axis=1)
    z = nearest[client] > lv.values[lv.start[client] + k] + 1e-9
    return np.concatenate([is_open.astype(float), z.astype(float)])


def median_capacitated(dist: np.ndarray, w: np.ndarray, capacity: np.ndarray, sc: SideConstraints) -> Mip:
    """p-median with site capacities: min Σ w_i d_ij x_ij, Σ_j x_ij = 1, x_ij ≤ y_j, Σ_i w_i x_ij ≤ cap_j y_j.

    Demand may be split between sites (x continuous): a planning model, not single-sourcing.
    """
    n, m = dist.shape
    nx = n * m
    xi, xj = np.divmod(np.arange(nx), m)
    assign = sp.csr_matrix((np.ones(nx), (xi, m + np.arange(nx))), shape=(n, m + nx))
    link = sp.csr_matrix(
        (
            np.concatenate([np.ones(nx), -np.ones(nx)]),
            (np.tile(np.arange(nx), 2), np.concatenate([m + np.arange(nx), xj])),
        ),
        shape=(nx, m + nx),
    )
    limited = np.flatnonzero(np.isfinite(capacity))
    load_rows = sp.csr_matrix((w[xi], (xj, m + np.arange(nx))), shape=(m, m + nx))[limited]
    load_rows = load_rows - sp.csr_matrix(
        (capacity[limited], (np.arange(len(limited)), limited)), shape=load_rows.shape
    )
    body = sp.vstack([assign, link, load_rows], format="csr")
    lower = np.concatenate([np.ones(n), np.full(nx + len(limited), -INF)])
    upper = np.concatenate([np.ones(n), np.zeros(nx + len(limited))])
    matrix, lower, upper = _assemble(sc, body, lower, upper)
    y_low, y_up = _site_columns(sc)
    return Mip(
        cost=np.concatenate([np.zeros(m), (w[:, None] * dist).ravel()]),
        lower=np.concatenate([y_low, np.zeros(nx)]),
        upper=np.concatenate([y_up, np.ones(nx)]),
        integer=np.arange(m + nx) < m,
        matrix=matrix,
        row_lower=lower,
        row_upper=upper,
    )
