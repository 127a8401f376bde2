"""Models tab handlers: the model catalog (filter, side-by-side comparison with citations)
and demos of the locally loadable models. Backends are imported lazily, so a missing one
only disables its part of the tab."""
from __future__ import annotations

from surveyqa import KINDS
from ui import render
from ui.context import AppContext

CATALOG_HEADERS = ["name", "kind", "backbone", "modalities", "tasks", "data", "date", "survey", "source"]
CATALOG_WIDTHS = ["12%", "6%", "11%", "13%", "11%", "11%", "6%", "13%", "17%"]
DEFAULT_KINDS = ["model"]
COMPARE_FIELDS = ("backbone", "modalities", "tasks", "data", "datasets", "date", "parameters")
STATUS_HEADERS = ["model", "task", "input", "runs now?", "weights / why not"]
SCORE_HEADERS = ["label", "score"]
SAY_HEADERS = ["attribute", "verdict", "value", "survey", "lines", "from"]
SAY_WIDTHS = ["11%", "13%", "30%", "26%", "8%", "12%"]
UNAVAILABLE = "Model catalog unavailable"


def _catalog(ctx: AppContext):
    """The catalog of the live index, or (None, reason)."""
    if not ctx.status.ready:
        return None, "the index is still being built"
    try:
        return ctx.qa.catalog, ""
    except (AttributeError, ImportError) as exc:
        return None, f"{UNAVAILABLE} (this build has no catalog: {exc})"
    except Exception as exc:
        return None, f"{UNAVAILABLE}: {type(exc).__name__}: {exc}"


def catalog_rows(ctx: AppContext, text: str = "", kinds: list[str] | None = DEFAULT_KINDS) -> tuple[list[list], str]:
    """Catalog entries of ``kinds`` matching ``text`` as table rows, and a one-line status."""
    catalog, why = _catalog(ctx)
    if catalog is None:
        return [], f"**{why}.**"
    kinds = list(kinds or [])
    entries = catalog.filter(text or "", kinds)
    rows = [[e.name, e.kind, e.backbone, e.modalities, e.tasks, e.data or e.datasets, e.date, e.doc, e.source]
            for e in entries]
    shown = f" matching “{render.esc(text)}”" if text else ""
    what = " and ".join(f"{k}s" for k in kinds) or "entries (no kind ticked)"
    return rows, f"{len(rows)} {what} of {len(catalog.entries)} catalog entries{shown}."


def catalog_names(ctx: AppContext) -> list[str]:
    """Distinct model names for the comparison picker."""
    catalog, _ = _catalog(ctx)
    return sorted({e.name for e in catalog.filter("", ["model"])}, key=str.lower) if catalog is not None else []


def compare_models(ctx: AppContext, names: list[str] | None) -> tuple[list[list], list[str], str]:
    """Side-by-side attributes of 2+ models (columns ``name [n]``) and their citations."""
    catalog, why = _catalog(ctx)
    if catalog is None:
        return [], ["attribute"], f"**{why}.**"
    names = [n for n in (names or []) if n]
    if len(names) < 2:
        return [], ["attribute"], "Pick at least two models to compare."
    entries = catalog.compare(names)
    missing = [n for n in names if not catalog.lookup(n)]
    headers = ["attribute"] + [f"{e.name} [{i}]" for i, e in enumerate(entries, start=1)]
    rows = [[field] + [getattr(e, field) or "—" for e in entries] for field in COMPARE_FIELDS]
    rows.append(["survey"] + [e.doc_title or e.doc for e in entries])
    rows.append(["source"] + [e.source or "—" for e in entries])
    cites = [f"**[{i}] {render.esc(e.name)}** — *{render.esc(e.doc_title or e.doc)}*, {render.esc(e.source or '—')} "
             f"(`{render.esc(e.doc)}`, chunk `{render.esc(e.chunk_id)}`)"
             + (f"<br>&nbsp;&nbsp;Reference: {render.esc(e.reference)}" if e.reference else "")
             for i, e in enumerate(entries, start=1)]
    if missing:
        cites.append(f"Not in the catalog: {', '.join(map(render.esc, missing))}.")
    return rows, headers, "\n\n".join(cites)


def what_surveys_say(ctx: AppContext, name: str | None) -> tuple[list[list], str]:
    """What every survey says about one model, merged: one row per statement (attribute, verdict —
    the attribute's agree / ≈ within rounding / DISAGREE, and per statement ≠ when it differs
    for real, ≈ when only within rounding or "~" — value, survey, lines, kind of passage), and a
    summary with the conflicts and the rounding-only differences."""
    catalog, why = _catalog(ctx)
    if catalog is None:
        return [], f"**{why}.**"
    name = (name or "").strip()
    if not name:
        return [], "Type a model name."
    try:
        report = ctx.qa.cross_survey.about(name)
    except Exception as exc:
        return [], f"**Cross-survey view unavailable:** {type(exc).__name__}: {render.esc(exc)}"
    if report is None:
        return [], f"No survey records a model named “{render.esc(name)}”."
    rows = []
    for attribute, entry in report.attributes.items():
        verdict = _verdict(entry)
        differs = {i for pair in entry.pairs for i in pair}
        rounded = {i for pair in entry.rounding for i in pair} - differs
        for i, s in enumerate(entry.statements):
            lines = f"{s.line_start}" if s.line_start == s.line_end else f"{s.line_start}–{s.line_end}"
            mark = "≠ differs" if i in differs and entry.kind != "descriptive" else "≈ rounding" if i in rounded else ""
            cell = " · ".join(x for x in (verdict if i == 0 else "", mark) if x)
            rows.append([attribute if i == 0 else "", cell, s.value, s.doc_title or s.doc, lines, s.source])
    also = f" (also written {', '.join(map(render.esc, report.aliases))})" if report.aliases else ""
    parts = [f"**{render.esc(report.name)}**{also} — discussed in {len(report.docs)} survey(s): "
             + ", ".join(f"`{render.esc(d)}`" for d in report.docs)]
    for conflict in report.conflicts():
        pairs = "; ".join(f"{render.esc(conflict.statements[i].value)} (`{render.esc(conflict.statements[i].doc)}` "
                          f"l. {conflict.statements[i].line_start}) ≠ {render.esc(conflict.statements[j].value)} "
                          f"(`{render.esc(conflict.statements[j].doc)}` l. {conflict.statements[j].line_start})"
                          for i, j in conflict.pairs)
        note = f" — {render.esc(conflict.note)}" if conflict.note else ""
        parts.append(f"✘ **{render.esc(conflict.attribute)}**: {pairs}{note}")
    for attribute, entry in report.attributes.items():
        if entry.rounding:
            pairs = "; ".join(f"{render.esc(entry.statements[i].value)} ≈ {render.esc(entry.statements[j].value)}"
                              for i, j in entry.rounding)
            parts.append(f"≈ **{render.esc(attribute)}**: {pairs} — the same number written to a different "
                         f"precision or marked approximate, not a disagreement")
    if len(parts) == 1:
        parts.append("The surveys agree on every attribute they state.")
    return rows, "\n\n".join(parts)


def _verdict(entry) -> str:
    """``DISAGREE`` (different numbers or units), ``≈ within rounding``, ``agree``, or '' for
    descriptive attributes, which surveys word in their own vocabulary."""
    if entry.kind == "descriptive":
        return ""
    return "DISAGREE" if not entry.agree else "≈ within rounding" if entry.rounding else "agree"


def demo_status(ctx: AppContext) -> list[list]:
    """Every allowlisted model with whether it can run now (local weights present) and why not."""
    try:
        from surveyqa import demo_status as status
    except ImportError as exc:
        return [["(model loader unavailable)", "", "", "no", str(exc)]]
    return [[spec.name, spec.task, spec.input_type, "yes" if ok else "no", where]
            for spec, ok, where in status(ctx.settings.model_dir)]


def runnable_names(rows: list[list]) -> list[str]:
    return [row[0] for row in rows if row[3] == "yes"]


def run_model_demo(ctx: AppContext, name: str | None, text: str = "", image: str | None = None,
                   labels: str = "") -> tuple[list[list], str | None, str]:
    """Run one demo: (score rows, output image path or None, message)."""
    if not name:
        return [], None, "Pick a model first."
    try:
        from surveyqa import run_demo
    except ImportError as exc:
        return [], None, f"**Model loader unavailable:** {exc}"
    label_list = [x.strip() for x in (labels or "").split(",") if x.strip()] or None
    try:
        result = run_demo(name, text=(text or "").strip() or None, image=image or None, labels=label_list,
                          model_dir=ctx.settings.model_dir)
    except Exception as exc:  # a crashing model must not take the session down
        return [], None, f"**{render.esc(name)} failed:** {type(exc).__name__}: {render.esc(exc)}"
    rows = [[label, score] for label, score in result.scores]
    details = "".join(f"<br>{render.esc(k)}: <code>{render.esc(v)}</code>" for k, v in result.details.items())
    head = "✔" if result.ok else "✘"
    return rows, result.image_path, f"{head} **{render.esc(result.name)}** — {render.esc(result.message)}{details}"
