"""``surveyqa about NAME`` and ``surveyqa conflicts``: what every survey says about a model,
merged across surveys, with agreements and disagreements cited (document + lines)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import INDEX_HELP, JSON_HELP, fail, open_service, out, settings_for

_MARK = {True: "[green]agree[/]", False: "[bold red]DISAGREE[/]"}


def _cross(index):

    return open_service(settings_for(index)).cross_survey


def _lines(s) -> str:
    return f"L{s.line_start}" if s.line_start == s.line_end else f"L{s.line_start}–{s.line_end}"


def _cite(s) -> str:
    return escape(f"{s.doc} {_lines(s)}")


def _value(s) -> str:
    """The value as written (markup-escaped), with its unit when the wording hides it."""
    unit = f" ({s.unit})" if s.unit and s.unit not in s.value.lower() else ""
    return escape(" ".join(f"{s.value}{unit}".split()))


def about(
    name: str = typer.Argument(..., help="A model or dataset name (case, hyphens and spaces may vary)."),
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Everything the surveys say about one model, attribute by attribute, with citations.

    Each survey's value is shown with its document and lines, and whether the surveys agree."""

    report = _cross(index).about(name)
    if report is None:
        fail(f"no survey records a model or dataset named {name!r}", code=1)
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
        return
    out.print(f"[bold]{escape(report.name)}[/]"
              + (f"  (also written: {escape(', '.join(report.aliases))})" if report.aliases else ""))
    out.print(f"discussed in {len(report.docs)} survey(s): {escape(', '.join(report.docs))}")
    kinds = {}
    for source in report.sources:
        kinds[source.kind] = kinds.get(source.kind, 0) + 1
    out.print("passages: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    if report.homonyms:
        out.print("[yellow]note: two rows of one table carry this name (possibly different models)[/]")
    table = Table(title=f"what the surveys say about {escape(report.name)}")
    for column in ("attribute", "verdict", "value", "survey / lines", "from"):
        table.add_column(column, overflow="fold")
    for attribute, entry in report.attributes.items():
        verdict = _MARK[entry.agree] if entry.kind != "descriptive" else ("—" if entry.agree else "differs")
        involved = {i for pair in entry.pairs for i in pair}
        for i, s in enumerate(entry.statements):
            value = f"[red]{_value(s)}[/]" if i in involved else _value(s)
            table.add_row(escape(attribute) if i == 0 else "", verdict if i == 0 else "", value, _cite(s), escape(s.source))
    out.print(table)
    for conflict in report.conflicts():
        _print_conflict(out, conflict)


def _print_conflict(out, conflict) -> None:
    scope = " and ".join(x for x, on in (("within a survey", conflict.within_survey),
                                          ("across surveys", conflict.across_surveys)) if on)
    out.print(f"[bold red]✗[/] {escape(conflict.entity)} — {escape(conflict.attribute)} ({scope})"
              + (f": {escape(conflict.note)}" if conflict.note else ""))
    for i, j in conflict.pairs:
        a, b = conflict.statements[i], conflict.statements[j]
        out.print(f"    {_value(a)} ({_cite(a)})  ≠  {_value(b)} ({_cite(b)})")
    for s in conflict.statements:
        out.print(f"    [dim]{_cite(s)}: “{escape(s.quote[:160])}”[/]")


def conflicts(
    attribute: str = typer.Option("", "--attribute", help="Only this attribute (data, parameters, date, venue, …)."),
    direct_only: bool = typer.Option(False, "--direct", help="Only conflicts between counts of the same unit."),
    include_descriptive: bool = typer.Option(False, "--descriptive", help="Also backbone / modalities / tasks."),
    index: Optional[Path] = typer.Option(None, "--index", help=INDEX_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Every disagreement about a model, across surveys or within one, with citations.

    The differing statements are listed with their documents and lines."""

    found = _cross(index).conflicts(include_descriptive)
    found = [c for c in found if (not attribute or c.attribute == attribute) and (c.direct or not direct_only)]
    if as_json:
        out.print_json(json.dumps([c.to_dict() for c in found]))
        return
    table = Table(title=f"{len(found)} disagreement(s)")
    for column in ("model", "attribute", "statements (survey / lines)", "scope", "note"):
        table.add_column(column, overflow="fold")
    for c in found:
        scope = ", ".join(x for x, on in (("within", c.within_survey), ("across", c.across_surveys)) if on)
        values = "\n".join(f"{_value(s)} — {_cite(s)}" for s in c.statements)
        table.add_row(escape(c.entity), escape(c.attribute), values, scope, escape(c.note))
    out.print(table)
