"""Which files an ingest reads at all: a per-file size limit, and no links out of an ingested folder
unless asked (issue 16 items 2 and 8)."""
from __future__ import annotations

import shutil

from index.build import build_index
from ingest.loaders import MB, FileRules
from ingest.pipeline import discover
from tests.ingest.conftest import MINI


def _sparse(path, size: int):
    """A file of ``size`` bytes that costs no disk or time to make."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def test_a_file_over_the_size_limit_is_skipped_unread_and_the_good_file_beside_it_is_indexed(tiny_settings, tmp_path):
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index"})
    shutil.copytree(tiny_settings.index_dir, settings.index_dir, ignore=shutil.ignore_patterns(".lock"))
    huge = _sparse(tmp_path / "huge.txt", 200 * MB)
    good = shutil.copy(MINI / "ieee_survey.txt", tmp_path / "good.txt")
    report = build_index([huge, good], settings)
    assert report.added == ["good.txt"] and report.written
    [skipped] = report.skipped
    assert skipped.path == str(huge)
    assert skipped.reason == "too large: 200.0 MB, over the 50 MB limit per file (setting max_file_mb)"


def test_build_index_applies_the_size_limit_of_the_settings_it_is_given(tiny_settings, tmp_path):
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index", "max_file_mb": 0.001})
    shutil.copytree(tiny_settings.index_dir, settings.index_dir, ignore=shutil.ignore_patterns(".lock"))
    good = shutil.copy(MINI / "ieee_survey.txt", tmp_path / "good.txt")
    report = build_index([good], settings)
    assert report.added == [] and "over the 0.001 MB limit" in report.skipped[0].reason


def test_the_size_limit_is_a_setting(tmp_path, monkeypatch):
    small = tmp_path / "small.txt"
    small.write_text("A short survey of models.\n" * 100, encoding="utf-8")  # 2,600 bytes
    assert discover([small]).files == [small]
    monkeypatch.setenv("SURVEYQA_MAX_FILE_MB", "0.002")
    [skipped] = discover([small]).skipped
    assert "over the 0.002 MB limit" in skipped.reason
    assert discover([small], FileRules(max_bytes=3000)).files == [small]


def _folder_with_links(tmp_path):
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash — a planted secret line\n", encoding="utf-8")
    folder = tmp_path / "surveys"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(MINI / "ieee_survey.txt", folder / "real.txt")
    (folder / "passwd.txt").symlink_to(outside / "passwd")
    (folder / "sub" / "alias.txt").symlink_to(folder / "real.txt")
    return folder, outside / "passwd"


def test_a_link_out_of_an_ingested_folder_is_skipped_unless_asked(tmp_path, monkeypatch):
    folder, target = _folder_with_links(tmp_path)
    found = discover([folder])
    assert [p.name for p in found.files] == ["real.txt", "alias.txt"], "links inside the folder are read"
    [skipped] = found.skipped
    assert skipped.path == str(folder / "passwd.txt")
    assert skipped.reason == f"a link to {target}, outside {folder}; not followed (set follow_links to read it)"
    assert discover([folder / "passwd.txt"]).files == [folder / "passwd.txt"], "a link named by the user is read"
    assert len(discover([folder], FileRules(follow_links=True)).files) == 3
    monkeypatch.setenv("SURVEYQA_FOLLOW_LINKS", "true")
    assert len(discover([folder]).files) == 3


def test_an_outbound_link_is_not_indexed(tiny_settings, tmp_path):
    folder, _ = _folder_with_links(tmp_path)
    (folder / "sub" / "alias.txt").unlink()
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index"})
    report = build_index([folder], settings)
    assert report.added == ["real.txt"] and [s.path for s in report.skipped] == [str(folder / "passwd.txt")]
