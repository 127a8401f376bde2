"""Batch and Eval tab handlers: long runs with progress, results written under
``<data>/runs/<kind>-<stamp>/`` and offered for download."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.settings import PROJECT_ROOT
from ui.context import AppContext

DEFAULT_GOLD = PROJECT_ROOT / "data" / "eval" / "dev.jsonl"
METRIC_HEADERS = ["metric", "value"]
PREVIEW_HEADERS = ["id", "question", "answer", "result", "sources"]
PREVIEW_ROWS = 200
PREVIEW_CHARS = 300
Progress = Callable[..., None]


def _path(item) -> Path | None:
    if not item:
        return None
    return Path(getattr(item, "name", None) or getattr(item, "path", None) or item)


def _ticker(progress: Progress | None, what: str):
    if progress is None:
        return None
    return lambda done, total: progress(done / total if total else None, desc=f"{what} {done}/{total}")


def run_batch_job(ctx: AppContext, questions_file, k: int = 5,
                  progress: Progress | None = None) -> tuple[str, list[str]]:
    """Answer every question of the uploaded file; returns a summary and [results.jsonl, results.csv]."""
    path = _path(questions_file)
    if path is None:
        return "Upload a questions file (.txt one per line, .jsonl or .csv with id and question).", []
    if not ctx.status.ready:
        return "The index is still being built; try again once it is ready.", []
    from core.engines import EngineUnavailable, make_engine
    from surveyqa import BatchInputError, run_batch

    out = ctx.new_folder(ctx.runs_dir, "batch")
    jsonl, csv = out / "results.jsonl", out / "results.csv"
    try:
        with make_engine(ctx.settings) as engine:
            s = run_batch(ctx.qa, path, jsonl, k=int(k), csv_path=csv, progress=_ticker(progress, "answering"),
                          engine=engine)
    except BatchInputError as exc:
        return f"**Cannot read the questions:** {_named(exc, path)}", []
    except EngineUnavailable as exc:
        return f"**Batch unavailable:** {exc}", []
    lines = [f"**{s.total} question(s):** {s.answered} answered, {s.abstained} not in the surveys, "
             f"{s.errors} error(s), in {s.seconds:.1f} s."]
    lines += [f"- {_named(m, path)}" for m in s.error_messages[:10]]
    return "\n".join(lines), [str(p) for p in (jsonl, csv) if p.exists()]


def _named(message, path: Path) -> str:
    """``message`` with the uploaded file's temporary path shown as its name."""
    return str(message).replace(str(path), path.name)


def preview_rows(results_jsonl: str | Path | None, limit: int = PREVIEW_ROWS) -> list[list]:
    """The first ``limit`` batch answers as table rows: id, question, answer, result, cited surveys."""
    import json

    if not results_jsonl or not Path(results_jsonl).exists():
        return []
    rows = []
    with open(results_jsonl, encoding="utf-8") as handle:
        for line in handle:
            if len(rows) >= limit:
                break
            record = json.loads(line)
            result = "error" if record.get("error") else "not in the surveys" if record.get("abstained") else "answered"
            answer = (record.get("error") or record.get("answer") or "")[:PREVIEW_CHARS]
            sources = ", ".join(dict.fromkeys(c["doc"] for c in record.get("citations", [])))
            rows.append([record.get("id"), record.get("question"), answer, result, sources])
    return rows


def metric_rows(metrics: dict) -> list[list]:
    """Top-level scalar metrics as (name, value) rows."""
    return [[key, round(value, 4) if isinstance(value, float) else value]
            for key, value in metrics.items() if not isinstance(value, (dict, list))]


def run_eval_job(ctx: AppContext, gold_file=None, k: int = 5,
                 progress: Progress | None = None) -> tuple[list[list], list[str], list[str], str]:
    """Score SurveyQA on a gold set (default: the dev set): metrics rows, plot images,
    report files (report.html, report.md, metrics.json, per_item.jsonl) and a summary."""
    gold = _path(gold_file) or DEFAULT_GOLD
    if not ctx.status.ready:
        return [], [], [], "The index is still being built; try again once it is ready."
    from surveyqa import GoldError, load_gold, run_eval

    try:
        items = load_gold(gold)
    except (GoldError, OSError) as exc:
        return [], [], [], f"**Cannot read the gold set:** {exc}"
    out, k = ctx.new_folder(ctx.runs_dir, "eval"), int(k)
    run = run_eval(ctx.qa, items, k, out, _ticker(progress, "evaluating"))
    result, written = run.result, run.report
    plots = [str(p) for p in written.values() if str(p).endswith(".png")]
    files = [written["html"], written["markdown"]] if written else []
    files += [out / "metrics.json", out / "per_item.jsonl"]
    note = f" Report not written ({run.report_error})." if run.report_error else ""
    warnings = "".join(f"\n- {w}" for w in result.warnings[:10])
    link = f" [Open report.html](/gradio_api/file={out / 'report.html'})" if (out / "report.html").exists() else ""
    summary = f"**{len(items)} items from `{gold.name}`, k={k}.**{link} Results in `{out}`.{note}{warnings}"
    return metric_rows(result.metrics), plots, [str(f) for f in files if Path(f).exists()], summary
