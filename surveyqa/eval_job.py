"""One evaluation run, as the CLI and the UI start it: score the service on a gold set, optionally
next to the baselines, and write the results and the report to a folder."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.baselines import BASELINES, run_baselines
from evaluation.gold import GoldItem
from evaluation.report import write_report
from evaluation.run import EvalResult, asking, evaluate, top_passages, write_results


@dataclass
class EvalRun:
    """What :func:`run_eval` produced: the result, the baselines' metrics (when asked for), the
    written report files by name, and why the report is missing if it could not be written."""

    result: EvalResult
    comparison: dict[str, dict] | None = None
    report: dict[str, Path] = field(default_factory=dict)
    report_error: str = ""


def run_eval(qa, items: list[GoldItem], k: int, out_dir: Path, tick: Callable[[int, int], None] | None = None,
             baselines: bool = False, progress=None) -> EvalRun:
    """Score ``qa`` on ``items`` at ``k`` and write metrics.json, per_item.jsonl and the report to
    ``out_dir``; with ``baselines``, also run the bm25-only, dense-only and langchain-plain baselines
    (``progress`` gets their stages). A report that cannot be written leaves the metrics intact."""
    qa.retriever.embedder  # load the embedding model first: latencies are measured on a warm index
    result = evaluate(items, asking(qa, k), qa.doc_texts, k, tick, rank=lambda item: top_passages(qa, item))
    run = EvalRun(result)
    if baselines:
        run.comparison = {name: r.metrics for name, r in run_baselines(BASELINES, items, qa, k, progress).items()}
    write_results(result, out_dir)
    try:
        run.report = write_report(result, out_dir, run.comparison)
    except Exception as exc:  # plotting or templating failed: the metrics are still on disk
        run.report_error = f"{type(exc).__name__}: {exc}"
    return run
