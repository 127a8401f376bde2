"""Server-wide state of the web UI: the shared SurveyQA, the index-update lock and the
start-up index build. Sessions share nothing else (their state lives in ``gr.State``)."""
from __future__ import annotations

import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from agent.service import SurveyQA
from surveyqa.settings import Settings


@dataclass
class BuildStatus:
    """Progress of the start-up index build, read by the status box."""

    ready: bool = False
    stage: str = "starting"
    done: int = 0
    total: int = 0
    error: str = ""
    note: str = ""
    started: float = field(default_factory=time.monotonic)

    def message(self) -> str:
        if self.error:
            return f"**Index unavailable:** {self.error}"
        if self.ready:
            return f"Index ready. {self.note}".strip()
        count = f" {self.done}/{self.total}" if self.total > 1 else ""
        return f"**Building the index** from the bundled corpus: {self.stage}{count} " \
               f"({time.monotonic() - self.started:.0f} s) — questions can be asked once it is ready."


class AppContext:
    """The one SurveyQA object (read-only, shared) plus the lock that serialises index updates."""

    def __init__(self, settings: Settings, qa: SurveyQA | None = None):
        self.settings = settings
        self.qa = qa or SurveyQA(settings)
        self.index_lock = threading.Lock()
        self.status = BuildStatus()
        data = Path(settings.index_dir).parent
        self.uploads_dir = data / "uploads"
        self.runs_dir = data / "runs"

    def new_folder(self, parent: Path, prefix: str) -> Path:
        """A fresh, uniquely named folder under ``parent``."""
        folder = parent / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder.mkdir(parents=True)
        return folder

    def update_index(self, paths, remove=(), progress=None):
        """Run ``build_index`` (atomic on disk) and swap the live index in, one update at a time."""
        from index.build import build_index

        with self.index_lock:
            report = build_index([Path(p) for p in paths], self.settings, remove=list(remove), progress=progress)
            if report.written:
                self.qa.reload()
                self.qa.retriever  # load now, so the next question does not pay for it
            return report

    def documents(self) -> dict[str, dict]:
        """Indexed documents (manifest entries: title, path, chunks); empty when there is no index."""
        if not self.status.ready:
            return {}
        try:
            return dict(self.qa.retriever.store.manifest.get("documents", {}))
        except Exception:  # a missing or broken index lists nothing; the status box says why
            return {}

    def ensure_index(self) -> BuildStatus:
        """Load the index, building it from the corpus when missing (or rebuilding an unusable one)."""
        from index.build import build_index
        from index.store import IndexMissing, IndexProblem

        status = self.status

        def tick(stage: str, done: int, total: int) -> None:
            status.stage, status.done, status.total = stage, done, total

        try:
            try:
                self.qa.retriever
            except IndexMissing:
                self._build(build_index, [self.settings.corpus_dir], False, tick)
            except IndexProblem as exc:
                status.note = f"The old index was unusable ({str(exc).split('; rebuild')[0]}); rebuilt it."
                paths = [self.settings.corpus_dir] + ([self.uploads_dir] if self.uploads_dir.is_dir() else [])
                self._build(build_index, paths, True, tick)
            self.qa.retriever
            status.ready = True
        except Exception as exc:  # shown in the status box instead of crashing the server
            status.error = f"{type(exc).__name__}: {exc}"
        return status

    def _build(self, build_index, paths, rebuild, tick) -> None:
        with self.index_lock:
            report = build_index(paths, self.settings, rebuild=rebuild, progress=tick)
            self.qa.reload()
        if not report.written and not report.chunks_per_doc:
            raise RuntimeError(f"no index could be built from {', '.join(map(str, paths))} ({report.note})")
        self.status.note += f" Built from {len(report.chunks_per_doc)} documents."

    def start_background_build(self) -> threading.Thread:
        """Run :meth:`ensure_index` in a thread so the UI can serve (and show progress) meanwhile."""
        thread = threading.Thread(target=self.ensure_index, name="surveyqa-index", daemon=True)
        thread.start()
        return thread


def discard(path: Path, root: Path) -> None:
    """Delete ``path`` if it lies under ``root`` (and its folder once empty)."""
    path, root = Path(path).resolve(), Path(root).resolve()
    if root not in path.parents:
        return
    path.unlink(missing_ok=True)
    folder = path.parent
    if folder != root and folder.is_dir() and not any(folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)
