"""The ``surveyqa`` command: thin subcommands that parse arguments, call one library
function and print; results go to stdout, progress and logs to stderr."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited question answering over survey papers.")
out = Console()
err = Console(stderr=True)


def _settings(index: Optional[Path] = None, **overrides):
    from surveyqa.settings import load_settings

    return load_settings(index_dir=index, **overrides)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _service(settings):
    from agent.service import SurveyQA
    from index.store import IndexMissing

    qa = SurveyQA(settings)
    try:
        qa.retriever
    except IndexMissing:
        err.print("[yellow]no index yet: ingesting the bundled corpus first[/]")
        _run_ingest([settings.corpus_dir], settings, rebuild=False, remove=[])
        qa.reload()
    except Exception as exc:  # corrupt or mismatched index: say what to do
        _fail(str(exc))
    return qa


def _run_ingest(paths, settings, rebuild, remove):
    from index.build import build_index
    from surveyqa.progress import stage_progress

    with stage_progress(err) as progress:
        return build_index(paths, settings, rebuild=rebuild, remove=remove, progress=progress)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: the bundled corpus)."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index directory."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Ignore the existing index and rebuild from scratch."),
    remove: list[str] = typer.Option([], "--remove", help="Document file name to drop from the index."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
):
    """Add, update or remove documents; unchanged documents are not re-embedded."""
    settings = _settings(index)
    report = _run_ingest(paths or ([] if remove else [settings.corpus_dir]), settings, rebuild, remove)
    if as_json:
        from dataclasses import asdict

        out.print_json(json.dumps(asdict(report)))
        return
    table = Table(title=f"Index {report.index_path}")
    for column in ("document", "chunks", "status"):
        table.add_column(column)
    status = {**{d: "added" for d in report.added}, **{d: "updated" for d in report.updated},
              **{d: "unchanged" for d in report.unchanged}}
    for doc, count in report.chunks_per_doc.items():
        table.add_row(doc, str(count), status.get(doc, "kept"))
    for doc in report.removed:
        table.add_row(doc, "0", "removed")
    out.print(table)
    out.print("chunks by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(report.chunks_by_kind.items())))
    out.print(f"embedded {report.embedded} chunks" + (f"; {report.note}" if report.note else ""))
    for skipped in report.skipped:
        out.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}")


@app.command()
def search(
    query: str = typer.Argument(..., help="Search text."),
    k: int = typer.Option(5, "-k", "--k", help="Passages to return."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, dense or bm25."),
    doc: list[str] = typer.Option([], "--doc", help="Only these documents (file names)."),
    kind: list[str] = typer.Option([], "--kind", help="Only these chunk kinds."),
    section: str = typer.Option("", "--section", help="Only sections containing this text."),
    index: Optional[Path] = typer.Option(None, "--index"),
    as_json: bool = typer.Option(False, "--json"),
):
    """Show the passages retrieved for a query."""
    from agent.service import QuestionError, passages
    from index.retrieval import Filters

    qa = _service(_settings(index))
    try:
        hits = qa.search(query, k, mode, Filters(doc, kind, section))
    except (QuestionError, ValueError) as exc:
        _fail(str(exc))
    rows = passages(hits)
    if as_json:
        out.print_json(json.dumps([r.__dict__ for r in rows]))
        return
    for row in rows:
        out.print(f"[bold]{row.rank}.[/] {row.doc} · {row.section or '—'} · {row.kind} · score {row.score:.4f}")
        out.print(f"   {row.text[:300]}")


@app.command()
def ask(
    question: str = typer.Argument(..., help="Your question."),
    k: int = typer.Option(5, "-k", "--k", help="Passages to retrieve."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, dense or bm25."),
    doc: list[str] = typer.Option([], "--doc", help="Only these documents (file names)."),
    index: Optional[Path] = typer.Option(None, "--index"),
    as_json: bool = typer.Option(False, "--json"),
):
    """Answer a question with citations (or say the surveys do not answer it)."""
    from agent.service import QuestionError
    from index.retrieval import Filters

    qa = _service(_settings(index))
    try:
        answer = qa.ask(question, k, mode, Filters(doc) if doc else None)
    except (QuestionError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        out.print_json(json.dumps(answer.to_dict()))
        return
    out.print(answer.answer)
    for c in answer.citations:
        where = f"p. {c.page}" if c.page else f"lines {c.lines[0]}-{c.lines[1]}"
        out.print(f"  [{c.marker}] {c.doc_title} — {c.section or '—'} ({c.doc}, {where})")
        if c.reference:
            out.print(f"      cites: {c.reference}")
    if answer.abstained and answer.retrieved:
        out.print("Closest passages:")
        for p in answer.retrieved[:3]:
            out.print(f"  - {p.doc} · {p.section}: {p.text[:160]}")


@app.command("eval")
def evaluate(
    gold: Path = typer.Argument(..., help="Gold QA set (JSONL, schema of data/eval/README.md)."),
    out_dir: Path = typer.Option(Path("out/eval"), "--out", help="Folder for metrics.json, per_item.jsonl and reports."),
    k: int = typer.Option(5, "-k", "--k"),
    index: Optional[Path] = typer.Option(None, "--index"),
):
    """Score SurveyQA on a gold set and write metrics.json and per_item.jsonl."""
    from evaluation.gold import GoldError, load_gold
    from evaluation.run import evaluate as run_eval, write_results
    from surveyqa.progress import item_progress

    try:
        items = load_gold(gold)
    except GoldError as exc:
        _fail(str(exc))
    qa = _service(_settings(index))
    with item_progress(err, "evaluating", len(items)) as tick:
        result = run_eval(items, lambda item: qa.ask(item.question, k, question_id=item.id), qa.doc_texts, k, tick)
    write_results(result, out_dir)
    metrics = result.metrics
    table = Table(title=f"{gold.name}: {metrics['count']} items, k={k}")
    table.add_column("metric")
    table.add_column("value")
    for key, value in metrics.items():
        if not isinstance(value, (dict, list)):
            table.add_row(key, str(value))
    out.print(table)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    out.print(f"wrote {out_dir}/metrics.json and per_item.jsonl")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
