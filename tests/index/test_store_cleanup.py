"""What a killed writer leaves in the index folder is removed by the next ingest, even a no-op one."""
import shutil

from index.build import build_index
from index.store import current_version


def test_a_no_op_ingest_removes_the_temp_folder_and_pointer_of_a_killed_write(tiny_settings, tmp_path):
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index"})
    shutil.copytree(tiny_settings.index_dir, settings.index_dir, ignore=shutil.ignore_patterns(".lock"))
    live = current_version(settings.index_dir)
    stale = settings.index_dir / ".tmp-v-20260101-000000-dead"
    stale.mkdir()
    (stale / "vectors.npy").write_bytes(b"\0" * 4096)
    (settings.index_dir / ".CURRENT-v-20260101-000000-dead").write_text("v-20260101-000000-dead")
    report = build_index([tiny_settings.corpus_dir], settings)
    assert not report.written and "up to date" in report.note
    assert not stale.exists()
    assert not list(settings.index_dir.glob(".CURRENT-*"))
    assert current_version(settings.index_dir) == live
