"""Parse files in worker processes, one per core, each file under a time limit.

A worker that overruns the limit on a file (a slow or hostile PDF, a huge text) is killed and
replaced; that file comes back as :class:`~ingest.pipeline.Skipped` with the reason, and the other
files are not held up. A worker process that dies (out of memory, a crash in a parser) costs only
its own file too. Parsing runs in the background: results are yielded in file order as they
become ready, so the caller can embed the first documents while the next ones are parsed.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from pathlib import Path

from ingest.pipeline import ParsedFile, Skipped

Parse = Callable[[Path], "ParsedFile | Skipped"]  # picklable: a worker process receives it

_POLL_S = 0.2  # how often the dispatcher looks at the deadlines


def default_workers() -> int:
    """One parse worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


def parse_files(paths: list[Path], parse: Parse, workers: int = 0, timeout_s: float = 120.0,
                memory_mb: int = 0) -> Iterator[ParsedFile | Skipped]:
    """``parse`` (:func:`~ingest.pipeline.try_parse` with its options) of each of ``paths`` in a pool of
    ``workers`` processes (0: one per core, never more than there are files), yielded in ``paths``
    order. Each file gets ``timeout_s`` seconds; each worker at most ``memory_mb`` MiB of address
    space (0: no limit)."""
    if not paths:
        return
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    count = min(workers or default_workers(), len(paths))
    dispatcher = threading.Thread(target=_dispatch, name="parse-dispatch", daemon=True,
                                  args=(list(paths), (parse, memory_mb), count, timeout_s, results, stop))
    dispatcher.start()
    ready: dict[int, ParsedFile | Skipped] = {}
    try:
        for number in range(len(paths)):
            while number not in ready:
                position, result = results.get()
                ready[position] = result
            yield ready.pop(number)
    finally:
        stop.set()
        dispatcher.join()


class _Worker:
    """One parse process and the file it is working on."""

    def __init__(self, context, options: tuple):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, *options), daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[int, Path] | None = None
        self.deadline = 0.0

    def give(self, position: int, path: Path, timeout_s: float) -> None:
        self.job, self.deadline = (position, path), time.monotonic() + timeout_s
        self.conn.send((position, str(path)))

    def end(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _dispatch(paths: list[Path], options: tuple, count: int, timeout_s: float, results: queue.Queue,
              stop: threading.Event) -> None:
    """Feed files to the workers, collect their results, replace workers that overran or died."""
    context = multiprocessing.get_context("forkserver")  # workers forked from a clean server, not from this process
    context.set_forkserver_preload(["ingest.parallel"])
    todo = list(enumerate(paths))[::-1]
    workers = [_Worker(context, options) for _ in range(count)]
    try:
        while not stop.is_set() and (todo or any(w.job for w in workers)):
            for worker in workers:
                if worker.job is None and todo:
                    worker.give(*todo.pop(), timeout_s)
            busy = [w for w in workers if w.job]
            for conn in wait([w.conn for w in busy], timeout=_POLL_S):
                worker = next(w for w in busy if w.conn is conn)
                try:
                    position, result = conn.recv()
                except (EOFError, OSError):
                    continue  # died: handled below as a dead process
                results.put((position, result))
                worker.job = None
            for number, worker in enumerate(workers):
                if worker.job is None:
                    continue
                late = time.monotonic() > worker.deadline
                if late or not worker.process.is_alive():
                    position, path = worker.job
                    worker.end()
                    reason = (f"parsing took longer than {timeout_s:g} s (setting parse_timeout_s); skipped" if late
                              else f"the parser process died (exit code {worker.process.exitcode}); skipped")
                    results.put((position, Skipped(str(path), reason)))
                    workers[number] = _Worker(context, options)
    finally:
        for worker in workers:
            worker.end()


def _serve(conn, parse: Parse, memory_mb: int) -> None:
    """A worker's loop: parse each file it is sent, send back the result."""
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            position, path = conn.recv()
        except EOFError:
            return
        conn.send((position, parse(Path(path))))
