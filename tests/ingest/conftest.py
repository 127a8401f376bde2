"""Shared helpers for the ingest tests: the small hand-written fixtures in tests/data/ingest_mini."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import ParsedFile, parse_file

MINI = Path(__file__).resolve().parents[1] / "data" / "ingest_mini"


@pytest.fixture(scope="session")
def mini() -> Path:
    return MINI


_CACHE: dict[tuple[str, int], ParsedFile] = {}


def parsed(name: str, chunk_chars: int = 900) -> ParsedFile:
    """``tests/data/ingest_mini/<name>`` parsed and chunked (cached; treat as read-only)."""
    key = (name, chunk_chars)
    if key not in _CACHE:
        _CACHE[key] = parse_file(MINI / name, chunk_chars=chunk_chars)
    return _CACHE[key]


def kinds(result: ParsedFile, kind: str):
    return [c for c in result.chunks if c.kind == kind]


def chunk_with(result: ParsedFile, needle: str, kind: str | None = None):
    """The single chunk whose text contains ``needle`` (optionally of one kind)."""
    found = [c for c in result.chunks if needle in c.text and (kind is None or c.kind == kind)]
    assert len(found) == 1, f"{needle!r}: {len(found)} chunks"
    return found[0]
