"""Progress in a log or CI (stderr not a terminal): a line per stage and every few seconds."""
import io

from rich.console import Console

from cli.progress import LineProgress, item_progress, stage_progress


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _log() -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, force_terminal=False, width=200), stream


def test_lines_at_each_stage_start_every_few_seconds_and_at_the_end():
    console, stream = _log()
    clock = FakeClock()
    update = LineProgress(console, every=5.0, clock=clock).update
    update("reading", 0, 2)
    clock.now += 1
    update("reading a.txt", 1, 2)  # same stage, too soon for a line
    clock.now += 1
    update("reading b.txt", 2, 2)
    update("embedding", 0, 10)
    for done in range(1, 11):
        clock.now += 2
        update("embedding", done, 10)
    update("embedding answer units", 0, 4)  # back to 0: a new stage, although its first word is the same
    update("indexing", 1, 1)
    assert stream.getvalue().splitlines() == [
        "reading: 0/2",
        "reading b.txt: 2/2 in 2.0 s",
        "embedding: 0/10",
        "embedding: 3/10, 0.5/s, ETA 0:00:14",
        "embedding: 6/10, 0.5/s, ETA 0:00:08",
        "embedding: 9/10, 0.5/s, ETA 0:00:02",
        "embedding: 10/10 in 20.0 s",
        "embedding answer units: 0/4",
        "indexing: 1/1 in 0.0 s",
    ]


def test_non_terminal_consoles_get_lines_not_bars():
    console, stream = _log()
    with stage_progress(console) as progress:
        progress("reading", 0, 3)
        progress("reading [x].txt", 3, 3)
    with item_progress(console, "answering", 0) as tick:
        tick(2, 2)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "reading: 0/3" and lines[1].startswith("reading [x].txt: 3/3 in ")
    assert lines[2].startswith("answering: 2/2 in ") and len(lines) == 3
