"""Progress bars on stderr (rich), shaped for the library's progress callbacks."""
from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


def _bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)


@contextmanager
def stage_progress(console: Console):
    """A ``progress(stage, done, total)`` callback drawing one bar per stage."""
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
    with _bar(console) as bar:
        task = bar.add_task(label, total=total, rate="")

        def tick(done: int, total_: int) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{done / elapsed:.1f}/s" if elapsed > 0 else ""
            bar.update(task, completed=done, total=total_, rate=rate)

        yield tick
