"""Corpus tab handlers: upload files into the index, list documents, remove one.

Uploads are copied into a fresh folder under ``<data>/uploads/``; files the index skips (or
that duplicate an indexed copy) are deleted again, so the folder holds exactly the uploaded
documents in the index. A file over the size limit, or named like a document of another origin
(a bundled survey), is refused before it is copied. Every update runs through
:meth:`AppContext.update_index` and can be cancelled."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from surveyqa import FileRules
from ui import render
from ui.context import AppContext, Cancelled, discard

DOC_HEADERS = ["document", "title", "chunks", "source"]
REPORT_HEADERS = ["file", "result", "chunks", "details"]
Progress = Callable[..., None]


def document_rows(ctx: AppContext) -> list[list]:
    """One row per indexed document: name, title, chunk count, bundled or uploaded."""
    return [[name, info.get("title", name), int(info.get("chunks", 0)), origin(ctx, info)]
            for name, info in sorted(ctx.documents().items())]


def origin(ctx: AppContext, info: dict) -> str:
    """Where an indexed document (its manifest entry) came from: uploaded, bundled or other."""
    parents = Path(info.get("path", "")).resolve().parents
    if ctx.uploads_dir.resolve() in parents:
        return "uploaded"
    return "bundled" if Path(ctx.settings.corpus_dir).resolve() in parents else "other"


def doc_updates(ctx: AppContext, shown: list[str] | None = None, selected: list[str] | None = None) -> tuple:
    """(documents table, remove dropdown, chat survey checkboxes) for the current index, every survey
    ticked; given the surveys the page ``shown`` and the ``selected`` ones, the selection is kept instead
    (:func:`kept_selection`)."""
    names = sorted(ctx.documents())
    ticked = names if shown is None else kept_selection(names, shown, selected or [])
    return (document_rows(ctx), gr.update(choices=names, value=None),
            gr.update(choices=render.survey_choices(ctx.documents()), value=ticked))


def kept_selection(names: list[str], shown: list[str], selected: list[str]) -> list[str]:
    """The surveys to tick once the corpus went from ``shown`` to ``names``: every survey when every
    shown one was ticked (or none was shown), else the ``selected`` ones still indexed."""
    return names if set(shown) <= set(selected) else [name for name in names if name in selected]


def _file_path(item) -> Path:
    return Path(getattr(item, "name", None) or getattr(item, "path", None) or item)


def _admit(ctx: AppContext, files) -> tuple[list[Path], list[list]]:
    """The uploaded files to index, and a skipped row with the reason for each one refused: a second
    file of one name, a file over the size limit, one named like an indexed document not uploaded."""
    sources, rows = [], []
    rules, documents = FileRules.of(ctx.settings), ctx.documents()
    for source in map(_file_path, files):
        known = documents.get(source.name)
        if any(s.name == source.name for s in sources):
            reason = "another uploaded file has the same name"
        elif known is not None and origin(ctx, known) != "uploaded":
            where = "the bundled corpus" if origin(ctx, known) == "bundled" else Path(known.get("path", "")).parent
            reason = f"a document of this name is indexed from {where}; an upload cannot replace it (rename the file)"
        else:
            reason = rules.refusal(source)
        if reason:
            rows.append([source.name, "skipped", 0, reason])
        else:
            sources.append(source)
    return sources, rows


def _copy_uploads(ctx: AppContext, sources: list[Path]) -> tuple[Path, list[Path]]:
    """Copies of ``sources`` in a new folder under the uploads folder."""
    folder = ctx.new_folder(ctx.uploads_dir, "upload")
    copies = [folder / source.name for source in sources]
    for source, target in zip(sources, copies):
        shutil.copyfile(source, target)
    return folder, copies


def _summary(rows: list[list], note: str = "") -> str:
    good = sum(r[1] in ("added", "updated") for r in rows)
    bad = sum(r[1] == "skipped" for r in rows)
    return f"**{good} file(s) indexed, {bad} skipped.**" + (f" {note}" if note else "")


def _tick(progress: Progress | None):
    if progress is None:
        return None
    return lambda stage, done, total: progress(done / total if total else None, desc=f"{stage} ({done}/{total})")


def upload_files(ctx: AppContext, files, progress: Progress | None = None) -> tuple[list[list], str]:
    """Index uploaded files; returns per-file rows (added / updated / unchanged / skipped + reason)
    and a summary. A bad file is reported and dropped; the others and the index are unaffected."""
    if not files:
        return [], "Choose one or more .pdf, .txt or .md files first."
    refusal = ctx.change_refusal()
    if refusal:
        return [], refusal
    sources, rows = _admit(ctx, files)
    if not sources:
        return rows, _summary(rows)
    folder, copies = _copy_uploads(ctx, sources)
    before = ctx.documents()
    try:
        report = ctx.update_index(copies, progress=_tick(progress))
    except Exception as exc:  # the live index is untouched: build_index writes atomically
        shutil.rmtree(folder, ignore_errors=True)  # this upload's copies only
        if isinstance(exc, Cancelled):
            return rows, "**Cancelled:** nothing was added; the index is unchanged."
        return rows, f"**Nothing was added:** {type(exc).__name__}: {exc}"
    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    for copy in copies:
        name = copy.name
        if name in skipped:
            rows.append([name, "skipped", 0, skipped[name]])
            discard(copy, ctx.uploads_dir)
        elif name in report.unchanged:
            rows.append([name, "unchanged", report.chunks_per_doc.get(name, 0), "an identical copy is already indexed"])
            discard(copy, ctx.uploads_dir)
        else:
            status = "updated" if name in report.updated else "added"
            detail = "replaced the earlier version" if status == "updated" else "now searchable"
            rows.append([name, status, report.chunks_per_doc.get(name, 0), detail])
            if status == "updated" and name in before:
                discard(Path(before[name].get("path", "")), ctx.uploads_dir)
    if folder.is_dir() and not any(folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)
    return rows, _summary(rows, report.note)


def remove_document(ctx: AppContext, doc: str | None, progress: Progress | None = None) -> str:
    """Drop ``doc`` from the index (and delete its uploaded copy); the last document is kept."""
    refusal = ctx.change_refusal()
    if refusal:
        return refusal
    documents = ctx.documents()
    if not doc:
        return "Pick a document to remove."
    if doc not in documents:
        return f"**{doc}** is not in the index."
    if len(documents) == 1:
        return "The index needs at least one document; upload another before removing this one."
    try:
        report = ctx.update_index([], remove=[doc], progress=_tick(progress))
    except Exception as exc:
        return f"**Could not remove {doc}:** {type(exc).__name__}: {exc}"
    if doc not in report.removed:
        return f"**{doc}** was not removed ({report.note or 'no change'})."
    discard(Path(documents[doc].get("path", "")), ctx.uploads_dir)
    return f"Removed **{doc}**; {len(report.chunks_per_doc)} document(s) remain."


def cancel_update(ctx: AppContext) -> str:
    """Stop the running upload or removal at its next step."""
    return "Cancelling the running index update…" if ctx.cancel_update() else "No index update is running."
