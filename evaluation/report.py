"""Human-readable evaluation reports (report.md and a self-contained report.html) and
``--fail-under`` thresholds, from an :class:`evaluation.run.EvalResult`."""
from __future__ import annotations

import base64
import html
import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

from evaluation import plots
from evaluation.gold import Evidence
from evaluation.metrics import covers
from evaluation.run import EvalResult

OVERALL_METRICS = (
    "count", "answerable", "k", "retrieval_recall_at_k", "retrieval_full_recall_at_k", "mrr", "key_fact_accuracy",
    "exact_all_facts", "citation_precision", "citation_recall", "abstention_accuracy", "false_abstention_rate",
    "mean_answer_chars", "latency_p50_ms", "latency_p95_ms",
)
GROUP_METRICS = (
    "count", "answerable", "retrieval_recall_at_k", "mrr", "key_fact_accuracy", "exact_all_facts",
    "citation_precision", "citation_recall", "abstention_accuracy", "false_abstention_rate", "mean_answer_chars",
    "latency_p50_ms",
)
COMPARE_METRICS = ("retrieval_recall_at_k", "mrr", "key_fact_accuracy", "citation_precision", "citation_recall",
                   "mean_answer_chars", "latency_p50_ms")
MAIN_SYSTEM = "surveyqa"
WORST_MISSES = 10
TOP_PASSAGES = 3

Table = tuple[list[str], list[list[str]]]


class ThresholdError(ValueError):
    """A malformed ``--fail-under`` value."""


def fmt(value) -> str:
    """A metric value for a table cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 100 else f"{value:.3f}"
    return str(value)


def overall_table(metrics: dict) -> Table:
    return ["metric", "value"], [[key, fmt(metrics.get(key))] for key in OVERALL_METRICS if key in metrics]


def group_table(groups: dict[str, dict], label: str) -> Table:
    """One row per group (type or difficulty), one column per metric."""
    return [label, *GROUP_METRICS], [[name, *(fmt(m.get(key)) for key in GROUP_METRICS)] for name, m in groups.items()]


def comparison_table(systems: dict[str, dict], keys: tuple[str, ...] = COMPARE_METRICS) -> Table:
    """One row per metric, one column per system (also used for the CLI's side-by-side table)."""
    names = list(systems)
    rows = [[key, *(fmt(systems[name].get(key)) for name in names)] for key in keys]
    extra = [name for name in names if systems[name].get("build_seconds") is not None]
    if extra:
        rows.append(["build_seconds", *(fmt(systems[name].get("build_seconds")) for name in names)])
    return ["metric", *names], rows


LLM_COLUMNS = ("mode", "model", "answers", "calls", "input_tokens", "output_tokens")


def llm_table(metrics: dict) -> Table | None:
    """Tokens used per answer mode and model (None when no LLM answered)."""
    rows = metrics.get("llm")
    if not rows:
        return None
    return [*LLM_COLUMNS, "tokens_per_answer"], [
        [*(str(row[key]) for key in LLM_COLUMNS),
         fmt((row["input_tokens"] + row["output_tokens"]) / row["answers"])] for row in rows]


def llm_note(row: dict) -> str:
    """``write · model · 812 tokens in 1 call`` for a record an LLM answered, else ''."""
    llm = row.get("llm")
    if not llm:
        return ""
    return (f"{row.get('mode')} · {llm['model']} · {llm['input_tokens'] + llm['output_tokens']} tokens in "
            f"{llm['calls']} call{'s' if llm['calls'] != 1 else ''}")


def _covering(passage: dict, evidence: list[dict]) -> bool:
    item = SimpleNamespace(evidence=[Evidence(e["doc"], e["quote"], e.get("start"), e.get("end")) for e in evidence])
    return covers(passage["doc"], passage["start"], passage["end"], item)


def worst_misses(per_item: list[dict], limit: int = WORST_MISSES) -> list[dict]:
    """Answerable items with missed key facts or no retrieval hit, worst first."""
    rows = [r for r in per_item if r.get("type") != "unanswerable"]
    misses = [r for r in rows if r["scores"].get("key_fact_share", 1.0) < 1.0 or not r["scores"]["recall"]]
    misses.sort(key=lambda r: (r["scores"].get("key_fact_share", 1.0), r["scores"]["recall"], r["scores"]["rr"]))
    out = []
    for row in misses[:limit]:
        top = [{**p, "covers": _covering(p, row["evidence"])} for p in row.get("retrieved", [])[:TOP_PASSAGES]]
        out.append({"id": row.get("id"), "type": row.get("type"), "difficulty": row.get("difficulty"),
                    "question": row.get("question", ""), "answer": row.get("answer", ""),
                    "abstained": row.get("abstained"), "error": row.get("error"), "llm": llm_note(row),
                    "missed": row["scores"].get("facts_missed", []), "share": row["scores"].get("key_fact_share"),
                    "first_hit_rank": row["scores"].get("first_hit_rank"), "evidence": row["evidence"], "top": top})
    return out


def make_plots(result: EvalResult, out_dir: Path, systems: dict[str, dict] | None) -> dict[str, Path]:
    """All figures as PNGs in ``out_dir/plots``; keys are the figure names."""
    folder = out_dir / "plots"
    figures = {
        "metrics_by_type": plots.type_bars(result.metrics, folder / "metrics_by_type.png"),
        "latency": plots.latency_histogram([r.get("latency_ms") or 0.0 for r in result.records], folder / "latency.png"),
        "recall_at_k": plots.recall_curve_plot(result.curve, folder / "recall_at_k.png", result.metrics.get("k")),
    }
    if systems and len(systems) > 1:
        figures["comparison"] = plots.comparison_bars(systems, folder / "comparison.png")
    return figures


FIGURE_TITLES = {
    "metrics_by_type": "Metrics per question type",
    "latency": "Latency histogram",
    "recall_at_k": "Retrieval recall@k (k = 1..20)",
    "comparison": "Comparison with baselines",
}


def _md_table(table: Table) -> str:
    headers, rows = table
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _md_quote(text: str, limit: int = 500) -> str:
    text = " ".join((text or "").split())
    return (text[:limit] + "…") if len(text) > limit else text


def _md_miss(miss: dict) -> list[str]:
    lines = [f"### {miss['id']} ({miss['type']}, {miss['difficulty']})", "",
             f"**Question:** {_md_quote(miss['question'])}", "",
             f"**Answer:** {_md_quote(miss['answer']) or '—'}" + (" *(abstained)*" if miss["abstained"] else ""), "",
             f"**Missed facts:** {', '.join(miss['missed']) or '—'} · key-fact share {fmt(miss['share'])} · "
             f"first hit rank {miss['first_hit_rank'] or 'none in top-k'}", ""]
    if miss["llm"]:
        lines += [f"**LLM:** {miss['llm']}", ""]
    if miss["error"]:
        lines += [f"**Error:** {miss['error']}", ""]
    lines += ["**Gold evidence:**", ""] + [f"- `{e['doc']}`: {_md_quote(e['quote'])}" for e in miss["evidence"]]
    lines += ["", "**Top retrieved passages:**", ""]
    lines += [f"{p['rank']}. `{p['doc']}` [{p['start']}:{p['end']}]{' ✔ covers evidence' if p['covers'] else ''}: "
              f"{_md_quote(p['text'], 300)}" for p in miss["top"]] or ["- none"]
    return lines + [""]


def render_markdown(result: EvalResult, figures: dict[str, Path], out_dir: Path, systems: dict | None) -> str:
    metrics = result.metrics
    parts = ["# SurveyQA evaluation report", "",
             f"{metrics.get('count')} items ({metrics.get('answerable')} answerable), k = {metrics.get('k')}.", "",
             "## Overall metrics", "", _md_table(overall_table(metrics)), ""]
    if llm_table(metrics):
        parts += ["## LLM usage", "", _md_table(llm_table(metrics)), ""]
    if systems and len(systems) > 1:
        parts += ["## Comparison with baselines", "", _md_table(comparison_table(systems)), ""]
    parts += ["## By type", "", _md_table(group_table(metrics.get("by_type", {}), "type")), "",
              "## By difficulty", "", _md_table(group_table(metrics.get("by_difficulty", {}), "difficulty")), "",
              "## Plots", ""]
    for name, path in figures.items():
        parts += [f"### {FIGURE_TITLES[name]}", "", f"![{FIGURE_TITLES[name]}]({path.relative_to(out_dir).as_posix()})", ""]
    parts += ["## Worst misses", ""]
    for miss in worst_misses(result.per_item):
        parts += _md_miss(miss)
    if result.warnings:
        parts += ["## Warnings", ""] + [f"- {w}" for w in result.warnings] + [""]
    return "\n".join(parts)


CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f2f2f2}img{max-width:100%;border:1px solid #eee}
.miss{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:1em 0}.cols{display:flex;gap:1em}
.cols>div{flex:1;min-width:0}.q{background:#f8f8f0;padding:.4em;margin:.3em 0;font-size:13px;white-space:pre-wrap}
.hit{background:#eaf7ea}.missed{color:#b00}"""


def _html_table(table: Table) -> str:
    headers, rows = table
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_image(name: str, path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    title = html.escape(FIGURE_TITLES[name])
    return f'<h3>{title}</h3><img alt="{title}" src="data:image/png;base64,{data}">'


def _html_miss(miss: dict) -> str:
    esc = html.escape
    evidence = "".join(f'<div class="q"><b>{esc(e["doc"])}</b>: {esc(e["quote"])}</div>' for e in miss["evidence"])
    top = "".join(f'<div class="q{" hit" if p["covers"] else ""}"><b>{p["rank"]}. {esc(p["doc"])} '
                  f'[{p["start"]}:{p["end"]}]</b>{" ✔" if p["covers"] else ""}<br>{esc(p["text"][:700])}</div>'
                  for p in miss["top"]) or "<p>none</p>"
    notes = (f"<p><b>LLM:</b> {esc(miss['llm'])}</p>" if miss["llm"] else "") + (
        f"<p><b>Error:</b> {esc(miss['error'])}</p>" if miss["error"] else "")
    return (f'<div class="miss"><h3>{esc(str(miss["id"]))} <small>({esc(str(miss["type"]))}, '
            f'{esc(str(miss["difficulty"]))})</small></h3><p><b>Question:</b> {esc(miss["question"])}</p>'
            f'<p><b>Answer:</b> {esc(miss["answer"] or "—")}{" <i>(abstained)</i>" if miss["abstained"] else ""}</p>'
            f'<p><b>Missed facts:</b> <span class="missed">{esc(", ".join(miss["missed"]) or "—")}</span> · '
            f'key-fact share {fmt(miss["share"])} · first hit rank {miss["first_hit_rank"] or "none in top-k"}</p>'
            f'{notes}<div class="cols"><div><h4>Gold evidence</h4>{evidence}</div>'
            f'<div><h4>Top retrieved passages</h4>{top}</div></div></div>')


def render_html(result: EvalResult, figures: dict[str, Path], systems: dict | None) -> str:
    metrics = result.metrics
    body = [f"<h1>SurveyQA evaluation report</h1><p>{metrics.get('count')} items "
            f"({metrics.get('answerable')} answerable), k = {metrics.get('k')}.</p>",
            "<h2>Overall metrics</h2>", _html_table(overall_table(metrics))]
    if llm_table(metrics):
        body += ["<h2>LLM usage</h2>", _html_table(llm_table(metrics))]
    if systems and len(systems) > 1:
        body += ["<h2>Comparison with baselines</h2>", _html_table(comparison_table(systems))]
    body += ["<h2>By type</h2>", _html_table(group_table(metrics.get("by_type", {}), "type")),
             "<h2>By difficulty</h2>", _html_table(group_table(metrics.get("by_difficulty", {}), "difficulty")),
             "<h2>Plots</h2>", *(_html_image(name, path) for name, path in figures.items()),
             "<h2>Worst misses</h2>", *(_html_miss(m) for m in worst_misses(result.per_item))]
    if result.warnings:
        body += ["<h2>Warnings</h2><ul>", *(f"<li>{html.escape(w)}</li>" for w in result.warnings), "</ul>"]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>SurveyQA evaluation report</title>'
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")


def write_report(result: EvalResult, out_dir: Path, comparison: dict[str, dict] | None = None) -> dict[str, Path]:
    """Write ``report.md``, ``report.html`` (plots embedded) and ``plots/*.png``; with ``comparison``
    (system name -> metrics dict) also ``comparison.json``, a comparison table and a grouped bar plot.
    Returns the written paths by name."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    systems = {MAIN_SYSTEM: result.metrics, **(comparison or {})} if comparison else None
    figures = make_plots(result, out_dir, systems)
    paths = {"markdown": out_dir / "report.md", "html": out_dir / "report.html", **figures}
    paths["markdown"].write_text(render_markdown(result, figures, out_dir, systems), encoding="utf-8")
    paths["html"].write_text(render_html(result, figures, systems), encoding="utf-8")
    if systems:
        paths["comparison_json"] = out_dir / "comparison.json"
        paths["comparison_json"].write_text(json.dumps(systems, indent=2))
    return paths


def parse_thresholds(specs: list[str]) -> dict[str, float]:
    """``["key_fact_accuracy=0.5", "by_type.table.mrr=0.3"]`` -> ``{metric path: minimum}``."""
    out = {}
    for spec in specs:
        name, sep, raw = spec.partition("=")
        try:
            out[name.strip()] = float(raw)
        except ValueError:
            raise ThresholdError(f"--fail-under {spec!r}: expected METRIC=NUMBER, e.g. key_fact_accuracy=0.5") from None
        if not sep or not name.strip():
            raise ThresholdError(f"--fail-under {spec!r}: expected METRIC=NUMBER, e.g. key_fact_accuracy=0.5")
        head = name.strip().split(".")[0]
        if head not in OVERALL_METRICS + ("by_type", "by_difficulty") and not re.fullmatch(r"retrieval_(full_)?recall_at_\d+", head):
            raise ThresholdError(f"--fail-under {spec!r}: unknown metric {head!r}; known: {', '.join(OVERALL_METRICS)}")
    return out


def lookup_metric(metrics: dict, path: str):
    """A metric by name or dotted path into the nested groups (``by_type.table.mrr``)."""
    value = metrics
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ThresholdError(f"unknown metric {path!r}; known: {', '.join(k for k in OVERALL_METRICS if k in metrics)}")
        value = value[part]
    return value


def check_thresholds(metrics: dict, thresholds: dict[str, float]) -> list[str]:
    """One message per metric below its minimum (or not measured); empty when all pass."""
    failures = []
    for name, minimum in thresholds.items():
        value = lookup_metric(metrics, name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            failures.append(f"{name} was not measured on this gold set (required >= {minimum})")
        elif value < minimum:
            failures.append(f"{name} = {value} is below the required {minimum}")
    return failures
