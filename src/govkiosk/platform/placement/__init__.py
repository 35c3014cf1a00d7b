"""Placement (布点): where to put kiosks — MCLP, LSCP, p-median and p-center, exact (HiGHS) and heuristic."""
