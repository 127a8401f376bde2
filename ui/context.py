"""Server-wide state of the web UI: the shared SurveyQA, the index-update lock (with its cancel),
whether the corpus may change, and the start-up index build. Sessions share nothing else (their
state lives in ``gr.State``)."""
from __future__ import annotations

import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings
from surveyqa import SurveyQA

READ_ONLY = "This server is read-only: adding and removing documents is turned off."


class Cancelled(Exception):
    """An index update stopped by :meth:`AppContext.cancel_update`; nothing was written."""


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
    """The one SurveyQA object (read-only, shared) plus the lock that serialises index updates;
    with ``read_only`` the corpus cannot be changed through the UI; with ``ask_processes`` the HTTP
    APIs answer in that many :class:`~ui.answer_processes.AnswerProcesses`, started with the index."""

    def __init__(self, settings: Settings, qa: SurveyQA | None = None, read_only: bool = False,
                 ask_processes: int = 0):
        self.settings = settings
        self.qa = qa or SurveyQA(settings)
        self.read_only = read_only
        self.ask_processes = ask_processes
        self.answerers = None
        self.index_lock = threading.Lock()
        self._cancel = threading.Event()
        self.status = BuildStatus()
        data = Path(settings.index_dir).parent
        self.uploads_dir = data / "uploads"
        self.runs_dir = data / "runs"

    def new_folder(self, parent: Path, prefix: str) -> Path:
        """A fresh, uniquely named folder under ``parent``."""
        folder = parent / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder.mkdir(parents=True)
        return folder

    def change_refusal(self) -> str | None:
        """Why the corpus cannot be changed now (read-only server, index still building), or None."""
        if self.read_only:
            return READ_ONLY
        if not self.status.ready:
            return "The index is still being built; try again once it is ready."
        return None

    def update_index(self, paths, remove=(), progress=None):
        """Update the index (atomic on disk) and swap the live index in, one update at a time;
        :meth:`cancel_update` stops it at its next progress step with :class:`Cancelled`."""
        if self.read_only:
            raise PermissionError(READ_ONLY)
        with self.index_lock:
            self._cancel.clear()
            report = self.qa.ingest([Path(p) for p in paths], remove=list(remove), progress=self._cancellable(progress))
            if report.written:
                self.qa.warm()  # now, so the next question does not pay for it
            return report

    def cancel_update(self) -> bool:
        """Ask the running index update to stop; False when none is running."""
        if not self.index_lock.locked():
            return False
        self._cancel.set()
        return True

    def _cancellable(self, progress):
        def tick(stage: str, done: int, total: int) -> None:
            if self._cancel.is_set():
                raise Cancelled("the index update was cancelled; nothing was changed")
            if progress is not None:
                progress(stage, done, total)

        return tick

    def documents(self) -> dict[str, dict]:
        """Indexed documents (manifest entries: title, path, chunks); empty when there is no index."""
        if not self.status.ready:
            return {}
        try:
            return dict(self.qa.retriever.store.manifest.get("documents", {}))
        except Exception:  # a missing or broken index lists nothing; the status box says why
            return {}

    def ensure_index(self) -> BuildStatus:
        """Load the index, building it from the corpus when missing (or rebuilding an unusable one
        from the corpus and the uploads)."""
        status = self.status

        def tick(stage: str, done: int, total: int) -> None:
            status.stage, status.done, status.total = stage, done, total

        try:
            uploads = [self.uploads_dir] if self.uploads_dir.is_dir() else []
            with self.index_lock:
                status.note = self.qa.open(tick, rebuild_from=[self.settings.corpus_dir, *uploads])
                tick("preparing the model catalog", 0, 0)
                self.qa.warm()
            if self.ask_processes and self.answerers is None:
                from ui.answer_processes import AnswerProcesses

                tick(f"starting {self.ask_processes} answer processes", 0, 0)
                self.answerers = AnswerProcesses(self.settings, self.ask_processes)
            status.ready = True
            if not self.read_only:
                self.sweep_uploads()
        except Exception as exc:  # shown in the status box instead of crashing the server
            status.error = f"{type(exc).__name__}: {exc}"
        return status

    def sweep_uploads(self) -> list[Path]:
        """Delete (and return) the uploaded files the index does not hold: copies left by a server
        stopped in the middle of an upload."""
        with self.index_lock:
            indexed = {Path(info.get("path", "")).resolve() for info in self.documents().values()}
            orphans = [p for p in sorted(self.uploads_dir.rglob("*")) if p.is_file() and p.resolve() not in indexed]
            for orphan in orphans:
                discard(orphan, self.uploads_dir)
        return orphans

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
