"""What every ``surveyqa`` sub-command shares: the two consoles, the help texts of shared options,
settings, the opened service and the way an error ends a command."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

out = Console(emoji=False)  # document and user text is printed escape()d, and ":x:" stays ":x:"
err = Console(stderr=True, emoji=False)

INDEX_HELP = "Index directory (default: settings index_dir)."
JSON_HELP = "Print JSON instead of text."
K_HELP = "Passages retrieved per question."
ENGINE_HELP = "local (this process) or ray (Ray actors); default: settings engine."
ADDRESS_HELP = "Ray cluster address for --engine ray (default: settings ray_address; empty starts a local Ray)."


def settings_for(index: Optional[Path] = None, **overrides):
    """The settings, with ``--index`` and any other given options on top (``None`` means unset)."""
    from core.settings import UnknownSetting, load_settings

    try:
        return load_settings(index_dir=index, **overrides)
    except UnknownSetting as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> None:
    """Print ``message`` as an error and end the command with exit ``code``."""
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def progress_bars():
    """A ``progress(stage, done, total)`` callback drawing a bar per stage on stderr (lines in a log)."""
    from cli.progress import stage_progress

    return stage_progress(err)


def open_service(settings):
    """The question-answering service over ``settings``, its index loaded (the bundled corpus is
    ingested first when there is none); a corrupt or mismatched index ends the command."""
    from surveyqa import SurveyQA

    qa = SurveyQA(settings)
    try:
        with progress_bars() as progress:
            qa.open(progress, announce=lambda text: err.print(f"[yellow]{escape(text)}[/]"))
    except Exception as exc:  # corrupt or mismatched index, no Ray, pickled weights: say what to do
        fail(str(exc))
    return qa


def print_table(table, title: str) -> None:
    """A (headers, rows) pair as a rich table on stdout."""
    headers, rows = table
    grid = Table(title=title)
    for header in headers:
        grid.add_column(escape(header))
    for row in rows:
        grid.add_row(*map(escape, row))
    out.print(grid)
