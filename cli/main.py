"""The ``surveyqa`` command: thin subcommands that parse arguments, call one library
function and print; results go to stdout, progress and logs to stderr."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal, Optional

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import (ADDRESS_HELP, ENGINE_HELP, INDEX_HELP, JSON_HELP, K_HELP, err, fail, progress_bars,
                        open_service, out, print_table, settings_for)

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited question answering over survey papers.")


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
    from core.engines import EngineUnavailable
    from surveyqa import PickledWeights, SurveyQA

    settings = settings_for(index, engine=engine, ray_address=ray_address)
    try:
        with progress_bars() as progress:
            report = SurveyQA(settings).ingest(paths or ([] if remove else [settings.corpus_dir]), rebuild, remove, progress)
    except (EngineUnavailable, PickledWeights) as exc:
        fail(str(exc))
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
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Show the passages retrieved for a query."""
    from surveyqa import Filters, QuestionError, passages

    qa = open_service(settings_for(index))
    try:
        hits = qa.search(query, k, mode, Filters(doc, kind, section))
    except (QuestionError, ValueError) as exc:
        fail(str(exc))
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
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    explain: bool = typer.Option(False, "--explain", help="Also show the answer strategy and why the best sentences "
                                 "ranked as they did (offline answerer)."),
):
    """Answer a question with citations (or say the indexed documents do not answer it)."""
    from surveyqa import BackendUnavailable, Filters, QuestionError

    qa = open_service(settings_for(index))
    filters = Filters(doc) if doc else None
    try:
        answer = qa.extract(question, k, mode, filters, explain=True) if explain else qa.ask(question, k, mode, filters)
    except (QuestionError, ValueError, BackendUnavailable) as exc:
        fail(str(exc))
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
    if explain:
        out.print(escape(f"Strategy: {answer.strategy or 'none (abstained)'}; support {answer.support}. Best units:"))
        for line in answer.explanation:
            out.print(escape(f"  - {line}"))


@app.command("eval")
def evaluate(
    gold: Path = typer.Argument(..., help="Gold QA set (JSONL, schema of data/eval/README.md)."),
    out_dir: Path = typer.Option(Path("out/eval"), "--out", help="Folder for metrics.json, per_item.jsonl and reports."),
    k: int = typer.Option(5, "-k", "--k", help=K_HELP),
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    compare: bool = typer.Option(False, "--compare", help="Also run the bm25-only, dense-only and langchain-plain baselines."),
    fail_under: list[str] = typer.Option([], "--fail-under", help="METRIC=VALUE; exit 1 when the metric is below (repeatable)."),
):
    """Score SurveyQA on a gold set; write metrics.json, per_item.jsonl, report.md and report.html."""
    from surveyqa import GoldError, ThresholdError, check_thresholds, comparison_table, load_gold, parse_thresholds, run_eval

    try:
        thresholds = parse_thresholds(fail_under)
        items = load_gold(gold)
    except (GoldError, ThresholdError) as exc:
        fail(str(exc))
    qa = open_service(settings_for(index))
    with progress_bars() as progress:
        run = run_eval(qa, items, k, out_dir, lambda done, total: progress("evaluating", done, total),
                       baselines=compare, progress=progress)
    metrics = run.result.metrics
    _print_metrics(metrics, escape(f"{gold.name}: {metrics['count']} items, k={k}"))
    if run.comparison:
        print_table(comparison_table({"surveyqa": metrics, **run.comparison}), "SurveyQA vs baselines")
    for warning in run.result.warnings + ([f"report not written: {run.report_error}"] if run.report_error else []):
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    out.print(escape(f"wrote {out_dir}/metrics.json, per_item.jsonl" + ("" if run.report_error else ", report.md and report.html")))
    try:
        failures = check_thresholds(metrics, thresholds)
    except ThresholdError as exc:
        fail(str(exc))
    for failure in failures:
        err.print(f"[bold red]fail-under:[/] {escape(failure)}")
    if failures:
        raise typer.Exit(1)


def _print_metrics(metrics: dict, title: str) -> None:
    rows = [[key, str(value)] for key, value in metrics.items() if not isinstance(value, (dict, list))]
    print_table((["metric", "value"], rows), title)


@app.command()
def batch(
    questions: Path = typer.Argument(..., help="Questions: .jsonl (id, question), .csv (id,question header) or text (one per line)."),
    out_path: Path = typer.Option(..., "--out", help="Answer records, one JSON line per question (resumable)."),
    csv_path: Optional[Path] = typer.Option(None, "--csv", help="Also export id, question, answer, abstained, citations, error."),
    k: int = typer.Option(5, "-k", "--k", help="Passages to retrieve per question."),
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    engine: Optional[Literal["local", "ray"]] = typer.Option(None, "--engine", help=ENGINE_HELP),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help=ADDRESS_HELP),
):
    """Answer a file of questions; re-running skips the ids already in --out."""
    from cli.progress import item_progress
    from core.engines import EngineUnavailable, make_engine
    from surveyqa import BatchInputError, run_batch

    qa = open_service(settings_for(index, engine=engine, ray_address=ray_address))
    try:
        with item_progress(err, "answering", 0) as tick, make_engine(qa.settings) as runner:
            summary = run_batch(qa, questions, out_path, k, csv_path, tick, engine=runner)
    except (BatchInputError, EngineUnavailable) as exc:
        fail(str(exc))
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
    ask_processes: int = typer.Option(
        0, "--ask-processes", min=0,
        help="Answer the HTTP APIs (/api/ask, /ask) in N processes, one torch thread each (default 0: in the server's)."),
):
    """Start the chat UI (building the index of the bundled corpus on first run)."""
    from ui.app import launch

    launch(host, port, settings_for(index, corpus_dir=corpus, read_only=read_only), ask_processes=ask_processes)


def _register_groups() -> None:
    from cli.about import about, conflicts
    from cli.fit import fit_app
    from cli.models import models_app

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
