"""A process killed (SIGKILL) in the middle of writing an index leaves the previous one live."""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

from core.manifest import shaping_settings
from index.build import build_index
from index.store import current_version, load_index

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import index.store as store
    from index.build import build_index
    from core.settings import load_settings

    def stall(folder):  # files are half written: announce it and wait to be killed
        Path(sys.argv[3]).write_text("writing")
        time.sleep(60)

    store._fsync_tree = stall
    settings = load_settings(index_dir=Path(sys.argv[1]), corpus_dir=Path(sys.argv[2]))
    build_index([Path(sys.argv[2])], settings, rebuild=True)
""")


def test_sigkill_during_write_keeps_the_previous_index(tiny_settings, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(tiny_settings.index_dir, index_dir)
    live = current_version(index_dir)
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(index_dir), str(tiny_settings.corpus_dir), str(ready)],
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        deadline = time.time() + 120
        while not ready.exists():
            assert proc.poll() is None and time.time() < deadline, "writer never reached the write phase"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(index_dir.glob(".tmp-*")), "the half-written version should be left in its temp folder"
    assert current_version(index_dir) == live
    settings = tiny_settings.model_copy(update={"index_dir": index_dir})
    assert load_index(index_dir, shaping_settings(settings)).chunks
    build_index([tiny_settings.corpus_dir], settings, rebuild=True)
    assert not list(index_dir.glob(".tmp-*"))
