"""``surveyqa models``: the model catalog (list, filter, compare) and local model demos."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import INDEX_HELP, JSON_HELP, fail, open_service, out, settings_for

models_app = typer.Typer(no_args_is_help=False, invoke_without_command=True,
                         help="The surveys' model catalog and local model demos.")
_COLUMNS = ("name", "kind", "backbone", "modalities", "tasks", "data", "date", "doc")
_DETAILS = ("backbone", "modalities", "tasks", "data", "date", "doc")
TABLE_WIDTH = 140  # narrower terminals (and pipes, 80 columns) get a plain list instead of the table


def _qa(index):

    return open_service(settings_for(index))


def _entries_table(entries, title: str) -> Table:
    table = Table(title=title)
    for column in _COLUMNS:
        table.add_column(column)
    for e in entries:
        table.add_row(*(escape(str(getattr(e, c) or "")[:60]) for c in _COLUMNS))
    return table


def _print_entries(out, entries, title: str) -> None:
    """The entries as a table on a wide terminal, else as a list (name and kind, then one
    indented line per attribute), so that narrow output never splits a word."""
    if out.width >= TABLE_WIDTH:
        out.print(_entries_table(entries, title))
        return
    out.print(escape(title))
    for e in entries:
        out.print(escape(f"{e.name} ({e.kind})"))
        for attribute in _DETAILS:
            if getattr(e, attribute):
                out.print(escape(f"    {attribute}: {getattr(e, attribute)}"))


@models_app.callback()
def list_models(
    ctx: typer.Context,
    filter_text: str = typer.Option("", "--filter", help="Only entries containing this text."),
    kinds: list[str] = typer.Option(["model"], "--kind",
                                    help="Kinds to list, repeatable: model, dataset, paper, survey."),
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """List the catalog: the models of the surveys' tables and lists (other kinds with --kind)."""
    if ctx.invoked_subcommand:
        return

    entries = _qa(index).catalog.filter(filter_text, kinds)
    if as_json:
        out.print_json(json.dumps([e.to_dict() for e in entries]))
    else:
        _print_entries(out, entries, f"{len(entries)} catalog entries ({', '.join(kinds)})")


@models_app.command("compare")
def compare(
    names: list[str] = typer.Argument(..., help="Two or more model names (fuzzy)."),
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Compare models side by side, one column per model, each value with its source."""

    entries = _qa(index).catalog.compare(names)
    if len(entries) < 2:
        fail(f"need at least two known models; found {[e.name for e in entries]}")
    if as_json:
        out.print_json(json.dumps([e.to_dict() for e in entries]))
        return
    table = Table(title="comparison")
    table.add_column("attribute")
    for e in entries:
        table.add_column(escape(e.name), overflow="fold")
    for attribute in ("backbone", "modalities", "tasks", "data", "datasets", "date", "parameters", "source", "doc", "reference"):
        table.add_row(attribute, *(escape(str(getattr(e, attribute) or "—")) for e in entries))
    out.print(table)


@models_app.command("demo")
def demo(
    name: str = typer.Argument(..., help="A model of the loader registry (see `surveyqa models runnable`)."),
    text: str = typer.Option("", "--text", help="Input text for text encoders."),
    image: Optional[Path] = typer.Option(None, "--image", help="Input image for image models."),
    labels: list[str] = typer.Option([], "--label", help="Candidate labels or phrases."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Load a cited model from local weights and run a small demo."""
    from surveyqa import run_demo

    result = run_demo(name, text=text or None, image=image, labels=labels or None, model_dir=settings_for().model_dir)
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
        return
    out.print(escape(result.message))
    for label, score in result.scores:
        out.print(escape(f"  {score:7.3f}  {label}"))
    if result.image_path:
        out.print(escape(f"image: {result.image_path}"))
    if not result.ok:
        raise typer.Exit(1)


@models_app.command("runnable")
def runnable():
    """Which loader models can run now, and where their weights are (or should go)."""
    from surveyqa import demo_status as status

    table = Table(title="local model loader")
    for column in ("model", "family", "runnable", "where / what is missing"):
        table.add_column(column, overflow="fold")
    for spec, ok, where in status(settings_for().model_dir):
        table.add_row(escape(spec.name), spec.family, "yes" if ok else "no", escape(str(where)))
    out.print(table)
