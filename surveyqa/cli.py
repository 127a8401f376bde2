"""The ``surveyqa`` command: thin subcommands that parse arguments, call one library
function and print; results go to stdout, progress and logs to stderr."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Literal, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from surveyqa import cli_help

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited question answering over survey papers.")
out = Console(emoji=False)  # document and user text is printed escape()d, and ":x:" stays ":x:"
err = Console(stderr=True, emoji=False)


def _settings(index: Optional[Path] = None, **overrides):
    from surveyqa.settings import load_settings

    return load_settings(index_dir=index, **overrides)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _service(settings):
    """The question-answering service over ``settings``, with torch held to ``query_threads``."""
    from agent.service import SurveyQA
    from index.embeddings import set_query_threads
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
    set_query_threads(settings.query_threads)  # after any first ingest, which keeps every core
    return qa


def _run_ingest(paths, settings, rebuild, remove):
    from index.build import build_index
    from index.weights import PickledWeights
    from surveyqa.engines import EngineUnavailable
    from surveyqa.progress import stage_progress

    try:
        with stage_progress(err) as progress:
            return build_index(paths, settings, rebuild=rebuild, remove=remove, progress=progress)
    except (EngineUnavailable, PickledWeights) as exc:
        _fail(str(exc))


ENGINE_HELP = "local (this process) or ray (Ray actors); default: settings engine."
ADDRESS_HELP = "Ray cluster address for --engine ray (default: settings ray_address; empty starts a local Ray)."


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: the bundled corpus)."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index directory."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Ignore the existing index and rebuild from scratch."),
    remove: list[str] = typer.Option([], "--remove", help="Document file name to drop from the index."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    engine: Optional[Literal["local", "ray"]] = typer.Option(None, "--engine", help=ENGINE_HELP),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help=ADDRESS_HELP),
):
    """Add, update or remove documents; unchanged documents are not re-embedded."""
    settings = _settings(index, engine=engine, ray_address=ray_address)
    report = _run_ingest(paths or ([] if remove else [settings.corpus_dir]), settings, rebuild, remove)
    if as_json:
        from dataclasses import asdict

        out.print_json(json.dumps(asdict(report)))
        return
    table = Table(title=f"Index {escape(str(report.index_path))}")
    for column in ("document", "chunks", "status"):
        table.add_column(column)
    status = {**{d: "added" for d in report.added}, **{d: "updated" for d in report.updated},
              **{d: "unchanged" for d in report.unchanged}}
    for doc, count in report.chunks_per_doc.items():
        table.add_row(escape(doc), str(count), status.get(doc, "kept"))
    for doc in report.removed:
        table.add_row(escape(doc), "0", "removed")
    out.print(table)
    out.print("chunks by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(report.chunks_by_kind.items())))
    out.print(escape(f"embedded {report.embedded} chunks" + (f"; {report.note}" if report.note else "")))
    for skipped in report.skipped:
        out.print(f"[yellow]skipped[/] {escape(f'{skipped.path}: {skipped.reason}')}")


@app.command()
def search(
    query: str = typer.Argument(..., help="Search text."),
    k: Optional[int] = typer.Option(None, "-k", "--k", help="Passages to return (default: settings top_k)."),
    mode: Optional[str] = typer.Option(None, "--mode", help="hybrid, dense or bm25 (default: settings)."),
    doc: list[str] = typer.Option([], "--doc", help="Only these documents (file names)."),
    kind: list[str] = typer.Option([], "--kind", help="Only these chunk kinds."),
    section: str = typer.Option("", "--section", help="Only sections containing this text."),
    index: Optional[Path] = typer.Option(None, "--index", help=cli_help.INDEX),
    as_json: bool = typer.Option(False, "--json", help=cli_help.JSON),
):
    """Show the passages retrieved for a query."""
    from agent.service import QuestionError, passages
    from index.retrieval import Filters

    qa = _service(_settings(index))
    try:
        hits = qa.search(query, k, mode, Filters(doc, kind, section))
    except (QuestionError, ValueError) as exc:
        _fail(str(exc))
    rows = passages(hits, qa.doc_texts)
    if as_json:
        out.print_json(json.dumps([r.__dict__ for r in rows]))
        return
    for row in rows:
        out.print(f"[bold]{row.rank}.[/] " + escape(f"{row.doc} · {row.section or '—'} · {row.kind} · score {row.score:.4f}"))
        out.print(escape(f"   {row.text[:300]}"))


@app.command()
def ask(
    question: str = typer.Argument(..., help="Your question."),
    k: Optional[int] = typer.Option(None, "-k", "--k", help="Passages to retrieve (default: settings top_k)."),
    mode: Optional[str] = typer.Option(None, "--mode", help="hybrid, dense or bm25 (default: settings)."),
    doc: list[str] = typer.Option([], "--doc", help="Only these documents (file names)."),
    index: Optional[Path] = typer.Option(None, "--index", help=cli_help.INDEX),
    as_json: bool = typer.Option(False, "--json", help=cli_help.JSON),
):
    """Answer a question with citations (or say the surveys do not answer it)."""
    from agent.llm import BackendUnavailable
    from agent.service import QuestionError
    from index.retrieval import Filters

    qa = _service(_settings(index))
    try:
        answer = qa.ask(question, k, mode, Filters(doc) if doc else None)
    except (QuestionError, ValueError, BackendUnavailable) as exc:
        _fail(str(exc))
    if as_json:
        out.print_json(json.dumps(answer.to_dict()))
        return
    out.print(escape(answer.answer))
    for c in answer.citations:
        where = f"p. {c.page}" if c.page else f"lines {c.lines[0]}-{c.lines[1]}"
        out.print(escape(f"  [{c.marker}] {c.doc_title} — {c.section or '—'} ({c.doc}, {where})"))
        if c.reference:
            out.print(escape(f"      cites: {c.reference}"))
    if answer.abstained and answer.retrieved:
        out.print("Closest passages:")
        for p in answer.retrieved[:3]:
            out.print(escape(f"  - {p.doc} · {p.section}: {p.text[:160]}"))


@app.command("eval")
def evaluate(
    gold: Path = typer.Argument(..., help="Gold QA set (JSONL, schema of data/eval/README.md)."),
    out_dir: Path = typer.Option(Path("out/eval"), "--out", help="Folder for metrics.json, per_item.jsonl and reports."),
    k: int = typer.Option(5, "-k", "--k", help=cli_help.K),
    index: Optional[Path] = typer.Option(None, "--index", help=cli_help.INDEX),
    compare: bool = typer.Option(False, "--compare", help="Also run the bm25-only, dense-only and langchain-plain baselines."),
    fail_under: list[str] = typer.Option([], "--fail-under", help="METRIC=VALUE; exit 1 when the metric is below (repeatable)."),
):
    """Score SurveyQA on a gold set; write metrics.json, per_item.jsonl, report.md and report.html."""
    from evaluation.baselines import BASELINES, run_baselines
    from evaluation.gold import GoldError, load_gold
    from evaluation.report import ThresholdError, check_thresholds, comparison_table, parse_thresholds, write_report
    from evaluation.run import asking, evaluate as run_eval, top_passages, write_results
    from surveyqa.progress import item_progress, stage_progress

    try:
        thresholds = parse_thresholds(fail_under)
        items = load_gold(gold)
    except (GoldError, ThresholdError) as exc:
        _fail(str(exc))
    qa = _service(_settings(index))
    qa.retriever.embedder  # load the embedding model now: latencies are measured on a warm index
    with item_progress(err, "evaluating", len(items)) as tick:
        result = run_eval(items, asking(qa, k), qa.doc_texts, k, tick, rank=lambda item: top_passages(qa, item))
    comparison = None
    if compare:
        with stage_progress(err) as progress:
            baselines = run_baselines(BASELINES, items, qa, k, progress)
        comparison = {name: r.metrics for name, r in baselines.items()}
    write_results(result, out_dir)
    write_report(result, out_dir, comparison)
    _print_metrics(result.metrics, escape(f"{gold.name}: {result.metrics['count']} items, k={k}"))
    if comparison:
        _print_table(comparison_table({"surveyqa": result.metrics, **comparison}), "SurveyQA vs baselines")
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    out.print(escape(f"wrote {out_dir}/metrics.json, per_item.jsonl, report.md and report.html"))
    try:
        failures = check_thresholds(result.metrics, thresholds)
    except ThresholdError as exc:
        _fail(str(exc))
    for failure in failures:
        err.print(f"[bold red]fail-under:[/] {escape(failure)}")
    if failures:
        raise typer.Exit(1)


def _print_metrics(metrics: dict, title: str) -> None:
    rows = [[key, str(value)] for key, value in metrics.items() if not isinstance(value, (dict, list))]
    _print_table((["metric", "value"], rows), title)


def _print_table(table, title: str) -> None:
    headers, rows = table
    grid = Table(title=title)
    for header in headers:
        grid.add_column(escape(header))
    for row in rows:
        grid.add_row(*map(escape, row))
    out.print(grid)


@app.command()
def batch(
    questions: Path = typer.Argument(..., help="Questions: .jsonl (id, question), .csv (id,question header) or text (one per line)."),
    out_path: Path = typer.Option(..., "--out", help="Answer records, one JSON line per question (resumable)."),
    csv_path: Optional[Path] = typer.Option(None, "--csv", help="Also export id, question, answer, abstained, citations, error."),
    k: int = typer.Option(5, "-k", "--k", help="Passages to retrieve per question."),
    index: Optional[Path] = typer.Option(None, "--index", help=cli_help.INDEX),
    engine: Optional[Literal["local", "ray"]] = typer.Option(None, "--engine", help=ENGINE_HELP),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help=ADDRESS_HELP),
):
    """Answer a file of questions; re-running skips the ids already in --out."""
    from agent.batch import BatchInputError, run_batch
    from surveyqa.engines import EngineUnavailable
    from surveyqa.progress import item_progress

    qa = _service(_settings(index, engine=engine, ray_address=ray_address))
    try:
        with item_progress(err, "answering", 0) as tick:
            summary = run_batch(qa, questions, out_path, k, csv_path, tick)
    except (BatchInputError, EngineUnavailable) as exc:
        _fail(str(exc))
    if summary.repaired:
        err.print(f"[yellow]repaired:[/] {escape(f'dropped a truncated last line of {out_path}')}")
    for message in summary.error_messages:
        err.print(f"[yellow]error:[/] {escape(message)}")
    out.print(escape(f"{summary.total} questions: {summary.skipped} already done, {summary.answered} answered, "
                     f"{summary.abstained} abstained, {summary.errors} errors in {summary.seconds:.1f}s -> {out_path}"
                     + (f" and {csv_path}" if csv_path else "")))


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, "--host", help="Interface to bind (default: GRADIO_SERVER_NAME or 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port to listen on (default: GRADIO_SERVER_PORT or 7860)."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index directory."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Corpus folder indexed when the index is missing."),
    read_only: Optional[bool] = typer.Option(
        None, "--read-only/--allow-changes",
        help="Turn corpus changes (upload, remove) off / on (default: settings read_only, else off unless the host "
             "is loopback)."),
):
    """Start the chat UI (building the index of the bundled corpus on first run)."""
    from ui.app import launch

    launch(host, port, _settings(index, corpus_dir=corpus, read_only=read_only))


def _register_groups() -> None:
    from surveyqa.cli_about import about, conflicts
    from surveyqa.cli_fit import fit_app
    from surveyqa.cli_models import models_app

    app.add_typer(models_app, name="models")
    app.command("about")(about)
    app.command("conflicts")(conflicts)
    app.add_typer(fit_app, name="fit")


_register_groups()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
