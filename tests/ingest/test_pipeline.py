"""Pipeline: a folder of mixed files yields the readable documents and a reasoned skip list."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest import pipeline
from ingest.pipeline import Skipped, discover, parse_file, try_parse
from tests.ingest.conftest import MINI


@pytest.fixture
def mixed_folder(tmp_path):
    folder = tmp_path / "surveys"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(MINI / "elsevier_survey.txt", folder / "a_good.txt")
    shutil.copy(MINI / "paper_list.md", folder / "nested" / "b_list.md")
    (folder / "c_latin1.txt").write_bytes("Résumé of médical imaging.\n".encode("latin-1"))
    (folder / "d_empty.md").write_bytes(b"  \n\n")
    (folder / "e_binary.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    (folder / "f_notes.docx").write_bytes(b"PK\x03\x04 not a survey")
    (folder / ".hidden.txt").write_text("A hidden editor file that must be ignored.", encoding="utf-8")
    return folder


def test_discover_finds_supported_files_recursively_and_ignores_others(mixed_folder):
    found = discover([mixed_folder])
    names = [p.name for p in found.files]
    assert found.files == sorted(found.files)
    assert set(names) == {"a_good.txt", "b_list.md", "c_latin1.txt", "d_empty.md", "e_binary.txt"}
    assert found.skipped == []


def test_discover_reports_missing_paths(tmp_path):
    found = discover([tmp_path / "nope"])
    assert found.files == []
    assert [(s.path, s.reason) for s in found.skipped] == [(str(tmp_path / "nope"), "no such file or folder")]


def split(files):
    """:func:`try_parse` of each file, as (parsed, skipped)."""
    results = [try_parse(path) for path in files]
    return [r for r in results if not isinstance(r, Skipped)], [r for r in results if isinstance(r, Skipped)]


def test_bad_files_are_skipped_with_reasons_and_never_abort_the_rest(mixed_folder):
    files = discover([mixed_folder]).files + [mixed_folder / "f_notes.docx"]
    good, skipped = split(files)
    assert sorted(p.document.doc for p in good) == ["a_good.txt", "b_list.md"]
    assert all(p.chunks for p in good)
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert set(reasons) == {"c_latin1.txt", "d_empty.md", "e_binary.txt", "f_notes.docx"}
    assert "UTF-8" in reasons["c_latin1.txt"]
    assert "empty" in reasons["d_empty.md"]
    assert "binary" in reasons["e_binary.txt"]
    assert "unsupported file type" in reasons["f_notes.docx"]


def test_a_parser_crash_on_one_file_is_reported_not_raised(mixed_folder, monkeypatch):
    real = pipeline.parse_text

    def crash_on_good(text, name):
        if name == "a_good.txt":
            raise ValueError("boom")
        return real(text, name)

    monkeypatch.setattr(pipeline, "parse_text", crash_on_good)
    shutil.copy(MINI / "ieee_survey.txt", mixed_folder / "g_other.txt")
    good, skipped = split([mixed_folder / "a_good.txt", mixed_folder / "g_other.txt"])
    assert [p.document.doc for p in good] == ["g_other.txt"]
    assert len(skipped) == 1 and "ValueError: boom" in skipped[0].reason


def test_parse_file_returns_document_title_and_chunks():
    result = parse_file(MINI / "ieee_survey.txt")
    assert result.title == "Foundation Test Models in Medical Image Analysis: A Systematic Review"
    assert {c.doc for c in result.chunks} == {"ieee_survey.txt"}
    assert {c.doc_title for c in result.chunks} == {result.title}
    assert [c.start for c in result.chunks if c.kind == "text"] == sorted(
        c.start for c in result.chunks if c.kind == "text"
    )


def test_a_two_million_line_file_is_chunked_in_linear_time_within_the_cap(tmp_path):
    import time

    from ingest.sentences import MAX_SENTENCE_CHARS

    path = tmp_path / "lines.txt"
    with path.open("w") as handle:
        handle.writelines(f"short line {i}\n" for i in range(2_000_000))
    started = time.perf_counter()
    result = parse_file(path, chunk_chars=900)
    assert time.perf_counter() - started < 150  # quadratic segmentation took hours; linear takes ~35 s on 2 busy cores
    text = result.document.text
    assert all(c.end - c.start <= MAX_SENTENCE_CHARS for c in result.chunks) and len(result.chunks) > 15_000
    assert result.chunks[-1].end == len(text) - 1 and result.chunks[-1].line_end == 2_000_000
    for chunk in result.chunks[::997]:
        assert chunk.line_start == text.count("\n", 0, chunk.start) + 1


def _parse_or_misbehave(path):
    """A parser for the pool tests: hangs on ``slow*`` files, kills its process on ``crash*`` ones."""
    import os
    import time

    if path.name.startswith("slow"):
        time.sleep(3600)
    if path.name.startswith("crash"):
        os._exit(3)
    return try_parse(path)


def test_the_parse_pool_skips_a_file_that_overruns_its_time_or_kills_its_worker_and_keeps_the_order(tmp_path):
    from ingest.parallel import parse_files

    names = ["a.txt", "slow.txt", "b.txt", "crash.txt", "c.txt", "d.txt"]
    for name in names:
        (tmp_path / name).write_text(f"Survey {name}\n\nThe {name} model reads chest X-rays.\n", encoding="utf-8")
    results = list(parse_files([tmp_path / n for n in names], _parse_or_misbehave, workers=2, timeout_s=5))
    assert [Path(r.path).name if isinstance(r, Skipped) else r.document.doc for r in results] == names
    skipped = {Path(r.path).name: r.reason for r in results if isinstance(r, Skipped)}
    assert set(skipped) == {"slow.txt", "crash.txt"}
    assert "longer than 5 s" in skipped["slow.txt"] and "parse_timeout_s" in skipped["slow.txt"]
    assert "process died (exit code 3)" in skipped["crash.txt"]


def test_a_parse_worker_without_enough_memory_skips_the_file_with_its_reason(tmp_path):
    from functools import partial

    from ingest.parallel import parse_files

    (tmp_path / "a.txt").write_text("Survey\n\n" + "A sentence about CT scans. " * 20000, encoding="utf-8")
    [result] = parse_files([tmp_path / "a.txt"], partial(try_parse), workers=1, timeout_s=60, memory_mb=1)
    assert isinstance(result, Skipped) and "MemoryError" in result.reason
