"""Answer processes for the HTTP APIs (``--ask-processes N``, off by default): N spawned processes, each
with its own SurveyQA over the same index and ``query_threads`` torch threads, so that answers computed at
once do not queue for the server's one GIL. A question carries the index version the server asks it of; a
process still on another version reloads first (after an upload or a removal)."""
from __future__ import annotations

import multiprocessing
import queue
from pathlib import Path

from core.settings import Settings


def serve(conn, settings: Settings) -> None:
    """One answer process: open and warm the index, say so, then answer until the server's end closes."""
    from surveyqa import QuestionError, SurveyQA

    qa = SurveyQA(settings)
    qa.open()
    qa.warm()
    version = qa.retriever.store.path
    conn.send(version)
    while True:
        try:
            asked_of, question, k, mode, filters = conn.recv()
        except EOFError:
            return
        try:
            if asked_of != version:
                qa.reload()
                qa.warm()
                version = asked_of
            conn.send(("answer", qa.ask(question, k, mode, filters).to_dict()))
        except (QuestionError, ValueError) as exc:
            conn.send(("refused", str(exc)))
        except Exception as exc:  # the server answers 500 with it, as for an error in its own process
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


class AnswerProcesses:
    """``count`` answer processes, started and warmed by the constructor; :meth:`answer` blocks until
    one is free, so call it from at most ``count`` threads at once to keep none waiting."""

    def __init__(self, settings: Settings, count: int):
        spawn = multiprocessing.get_context("spawn")  # never fork a process that runs torch and a server
        self.count = count
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._processes = []
        for _ in range(count):
            ours, theirs = spawn.Pipe()
            process = spawn.Process(target=serve, args=(theirs, settings), name="surveyqa-answer", daemon=True)
            process.start()
            theirs.close()
            self._processes.append((process, ours))
        for process, conn in self._processes:
            try:
                conn.recv()
            except EOFError:
                self.close()
                raise RuntimeError(f"an answer process stopped while opening the index (exit code {process.exitcode})")
            self._idle.put(conn)

    def answer(self, version: Path, question: str, k: int, mode: str, filters) -> dict:
        """``SurveyQA.ask(...).to_dict()`` in a free process over index ``version``; a refusal raises
        ``QuestionError`` as in this process."""
        from surveyqa import QuestionError

        conn = self._idle.get()
        try:
            conn.send((version, question, k, mode, filters))
            outcome, value = conn.recv()
        except (EOFError, OSError) as exc:
            raise RuntimeError("an answer process has stopped; restart the server") from exc
        finally:
            self._idle.put(conn)
        if outcome == "refused":
            raise QuestionError(value)
        if outcome == "failed":
            raise RuntimeError(value)
        return value

    def close(self) -> None:
        """End the processes (each stops when its pipe closes)."""
        for process, conn in self._processes:
            conn.close()
        for process, _ in self._processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
