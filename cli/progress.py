"""Progress on stderr, shaped for the library's progress callbacks: rich bars on a terminal,
plain lines in a log or CI (a line per stage and every few seconds)."""
from __future__ import annotations

import time
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

LINE_EVERY_S = 5.0


def _bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)


def _clock_time(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


class LineProgress:
    """``update(stage, done, total)`` as plain lines: when a stage starts or ends, and at most every
    ``every`` seconds in between, with done / total, rate and ETA. A stage is the first word of its
    name; it starts again when that word changes or ``done`` goes back."""

    def __init__(self, console: Console, every: float = LINE_EVERY_S, clock=time.monotonic):
        self.console, self.every, self.clock = console, every, clock
        self.key: str | None = None
        self.started = self.printed = 0.0
        self.first = self.done = 0

    def update(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        key = stage.split(" ")[0]
        new = key != self.key or done < self.done
        if new:
            self.key, self.started, self.first = key, now, done
        self.done = done
        finished = total > 0 and done >= total
        if not (new or finished or now - self.printed >= self.every):
            return
        self.printed = now
        line = f"{stage}: {done}/{total}"
        elapsed = now - self.started
        rate = (done - self.first) / elapsed if elapsed > 0 else 0.0
        if finished:
            line += f" in {elapsed:.1f} s"
        elif rate > 0:
            line += f", {rate:.1f}/s, ETA {_clock_time((total - done) / rate)}" if total > 0 else f", {rate:.1f}/s"
        self.console.print(escape(line), highlight=False, soft_wrap=True)


@contextmanager
def stage_progress(console: Console):
    """A ``progress(stage, done, total)`` callback drawing one bar per stage (lines when not a terminal)."""
    if not console.is_terminal:
        yield LineProgress(console).update
        return
    with _bar(console) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            key = stage.split(" ")[0]
            if key not in tasks:
                tasks[key] = bar.add_task(stage, total=total, rate="")
            bar.update(tasks[key], description=stage[:24], completed=done, total=total)

        yield update


@contextmanager
def item_progress(console: Console, label: str, total: int):
    """A ``tick(done, total)`` callback for per-item work, with the rate in items per second."""
    if not console.is_terminal:
        lines = LineProgress(console)
        yield lambda done, total_: lines.update(label, done, total_)
        return
    with _bar(console) as bar:
        task = bar.add_task(label, total=total, rate="")

        def tick(done: int, total_: int) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{done / elapsed:.1f}/s" if elapsed > 0 else ""
            bar.update(task, completed=done, total=total_, rate=rate)

        yield tick
