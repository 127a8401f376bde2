"""Comparing records made in two processes or thread pools: everything must be equal except
floats, which may differ in the last digits (another BLAS path, another thread count)."""
from __future__ import annotations

import math

SCORE_TOLERANCE = 1e-5


def differences(got, expected, tol: float = SCORE_TOLERANCE, path: str = "$") -> list[str]:
    """Where ``got`` differs from ``expected``: ids, text, spans, ranks and list lengths exactly,
    floats within ``tol``."""
    if isinstance(expected, float) or isinstance(got, float):
        ok = isinstance(got, (int, float)) and isinstance(expected, (int, float)) and math.isclose(
            got, expected, rel_tol=0.0, abs_tol=tol)
        return [] if ok else [f"{path}: {got!r} != {expected!r}"]
    if isinstance(expected, dict) and isinstance(got, dict):
        if got.keys() != expected.keys():
            return [f"{path}: keys {sorted(got)} != {sorted(expected)}"]
        return [d for key in expected for d in differences(got[key], expected[key], tol, f"{path}.{key}")]
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(got) != len(expected):
            return [f"{path}: {len(got)} items != {len(expected)}"]
        return [d for i, (g, e) in enumerate(zip(got, expected)) for d in differences(g, e, tol, f"{path}[{i}]")]
    return [] if got == expected else [f"{path}: {got!r} != {expected!r}"]


def assert_records_match(got, expected, tol: float = SCORE_TOLERANCE) -> None:
    """Fail with the first few differences between two record trees."""
    found = differences(got, expected, tol)
    assert not found, "records differ:\n" + "\n".join(found[:10])
