"""HiGHS plumbing: a MIP as sparse arrays, loaded in bulk; status, bound, gap and a progress line."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp

INF = highspy.kHighsInf


@dataclass
class Mip:
    """min (or max) c·x + offset  s.t.  row_lower ≤ A x ≤ row_upper,  lower ≤ x ≤ upper,  x[integer] ∈ ℤ."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray  # bool per column
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    maximize: bool = False
    offset: float = 0.0
    integral_objective: bool = False  # every feasible objective value is an integer: stop at gap < 1
    presolve: bool = True  # off for covering models already reduced by `reduction` (HiGHS's is slow there)


@dataclass(frozen=True)
class MipResult:
    """What HiGHS reports: always status, objective, dual bound, gap and seconds."""

    status: str  # optimal | time_limit | infeasible | unbounded | error | …
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    x: np.ndarray | None


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """HiGHS prints its banner on stdout when constructed; keep stdout clean for `--json`."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real fd 1 (some embedded runners): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(time_limit: float) -> highspy.Highs:
    """A silent HiGHS instance that proves optimality (no default 0.01 % gap) within a time limit."""
    with _stdout_to_stderr():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-6)
    return h


def load(h: highspy.Highs, mip: Mip) -> None:
    """Pass the whole model in one call (`passModel`, column-wise CSC arrays and integrality)."""
    a = sp.csc_matrix(mip.matrix)
    a.sum_duplicates()
    sense = highspy.ObjSense.kMaximize if mip.maximize else highspy.ObjSense.kMinimize
    h.passModel(
        a.shape[1],
        a.shape[0],
        a.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(sense),
        float(mip.offset),
        np.asarray(mip.cost, dtype=float),
        np.asarray(mip.lower, dtype=float),
        np.asarray(mip.upper, dtype=float),
        np.asarray(mip.row_lower, dtype=float),
        np.asarray(mip.row_upper, dtype=float),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(float),
        mip.integer.astype(np.int32),  # 1 = kInteger, 0 = kContinuous
    )
    if mip.integral_objective:
        h.setOptionValue("mip_abs_gap", 1.0 - 1e-6)
    if not mip.presolve:
        h.setOptionValue("presolve", "off")


def progress_line(message: str) -> None:
    """One progress line on stderr (stdout is kept for results)."""
    print(message, file=sys.stderr, flush=True)


class Ticker:
    """At most one progress line every `every` seconds, with the time since the ticker was made."""

    def __init__(self, label: str, every: float = 2.0) -> None:
        self.label, self.every = label, every
        self.started = self.last = time.monotonic()

    def due(self) -> bool:
        """Whether a line is due now (and, if so, the clock restarts)."""
        now = time.monotonic()
        if now - self.last < self.every:
            return False
        self.last = now
        return True

    def __call__(self, message: str) -> None:
        if self.due():
            self.say(message)

    def say(self, message: str) -> None:
        progress_line(f"[{time.monotonic() - self.started:6.1f}s] {self.label}: {message}")


class ProgressLine:
    """A periodic stderr line during long solves: elapsed, best objective, bound, gap."""

    def __init__(self, label: str, every: float = 2.0) -> None:
        self.label, self.every, self.last = label, every, time.monotonic()
        self.started = self.last

    def __call__(self, event: object) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        out = event.data_out  # type: ignore[attr-defined]
        print(
            f"[{now - self.started:6.1f}s] {self.label}: best {out.mip_primal_bound:.6g} "
            f"bound {out.mip_dual_bound:.6g} gap {100 * out.mip_gap:.3f}%",
            file=sys.stderr,
            flush=True,
        )


class _Watch:
    """Stop the search early when an improving solution shows the model itself must change."""

    def __init__(self, reject: Callable[[np.ndarray], bool]) -> None:
        self.reject, self.rejected = reject, False

    def on_solution(self, event: object) -> None:
        if not self.rejected and self.reject(np.array(event.data_out.mip_solution)):  # type: ignore[attr-defined]
            self.rejected = True

    def on_interrupt(self, event: object) -> None:
        if self.rejected:
            event.interrupt()  # type: ignore[attr-defined]


def solve(
    mip: Mip,
    time_limit: float,
    start: np.ndarray | None = None,
    progress: str | None = None,
    reject: Callable[[np.ndarray], bool] | None = None,
) -> MipResult:
    """Solve with HiGHS; `start` warm-starts (setSolution); `reject(incumbent)` true stops the solve.

    HiGHS 1.16 with presolve can end a warm-started set-cover MIP "optimal" on the start it was given with a
    wrong objective and bound (seen on SJC LSCP instances). So every answer is checked against the model:
    if its plan is infeasible or its objective is not what the plan costs, the MIP is solved again cold."""
    result = _solve_once(mip, time_limit, start, progress, reject)
    if start is not None and not _consistent(mip, result):
        result = _solve_once(mip, time_limit, None, progress, reject)
    return result


@dataclass(frozen=True)
class LpResult:
    """The LP relaxation at optimality: its value (a bound on the MIP), primal values and reduced costs."""

    objective: float
    x: np.ndarray
    reduced_cost: np.ndarray


def relax(mip: Mip, time_limit: float) -> LpResult | None:
    """Solve the LP relaxation (simplex); None unless it ends optimal."""
    h = new_highs(time_limit)
    load(h, replace(mip, integer=np.zeros_like(mip.integer)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    value = float(h.getInfo().objective_function_value)
    return LpResult(value, np.array(solution.col_value), np.array(solution.col_dual))


def _consistent(mip: Mip, result: MipResult, tol: float = 1e-6) -> bool:
    """Whether the reported plan satisfies the rows and costs what HiGHS says it costs."""
    if result.x is None or result.objective is None:
        return True  # nothing claimed
    x = np.round(np.where(mip.integer, np.round(result.x), result.x), 9)
    activity = mip.matrix @ x
    feasible = bool(np.all(activity >= mip.row_lower - tol) and np.all(activity <= mip.row_upper + tol))
    cost = float(mip.cost @ x + mip.offset)
    return feasible and abs(cost - result.objective) <= tol * max(1.0, abs(cost))


def _solve_once(
    mip: Mip,
    time_limit: float,
    start: np.ndarray | None,
    progress: str | None,
    reject: Callable[[np.ndarray], bool] | None,
) -> MipResult:
    started = time.monotonic()
    h = new_highs(time_limit)
    load(h, mip)
    if start is not None:
        h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start.astype(float))
    if progress:
        h.cbMipInterrupt.subscribe(ProgressLine(progress))
    watch = _Watch(reject) if reject is not None else None
    if watch is not None:
        h.cbMipImprovingSolution.subscribe(watch.on_solution)
        h.cbMipInterrupt.subscribe(watch.on_interrupt)
    h.run()
    result = _result(h, mip, time.monotonic() - started)
    if watch is not None and watch.rejected:
        result = MipResult("rejected", result.objective, result.bound, result.gap, result.seconds, result.x)
    return result


def _result(h: highspy.Highs, mip: Mip, seconds: float) -> MipResult:
    """Read status, objective, bound and gap back, whether or not the solve finished."""
    status = h.modelStatusToString(h.getModelStatus()).lower().replace(" ", "_")
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.array(h.getSolution().col_value) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else None
    if mip.integer.any():
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    else:  # a pure LP: at optimality the bound is the objective itself
        bound = objective if status == "optimal" else None
    return MipResult(_status_name(status), objective, bound, relative_gap(objective, bound), seconds, x)


def _status_name(raw: str) -> str:
    """HiGHS's words, shortened to the ones a planner reads."""
    names = {"time_limit_reached": "time_limit", "primal_infeasible": "infeasible"}
    return names.get(raw, raw)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective − bound| / max(1, |objective|), as HiGHS and most solvers report it."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(1.0, abs(objective))
