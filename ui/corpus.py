"""Corpus tab handlers: upload files into the index, list documents, remove one.

Uploads are copied into a fresh folder under ``<data>/uploads/``; files the index skips (or
that duplicate an indexed copy) are deleted again, so the folder holds exactly the uploaded
documents in the index. Every update runs through :meth:`AppContext.update_index`."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from ui import render
from ui.context import AppContext, discard

DOC_HEADERS = ["document", "title", "chunks", "source"]
REPORT_HEADERS = ["file", "result", "chunks", "details"]
Progress = Callable[..., None]


def document_rows(ctx: AppContext) -> list[list]:
    """One row per indexed document: name, title, chunk count, bundled or uploaded."""
    rows = []
    uploads, corpus = ctx.uploads_dir.resolve(), Path(ctx.settings.corpus_dir).resolve()
    for name, info in sorted(ctx.documents().items()):
        parents = Path(info.get("path", "")).resolve().parents
        origin = "uploaded" if uploads in parents else ("bundled" if corpus in parents else "other")
        rows.append([name, info.get("title", name), int(info.get("chunks", 0)), origin])
    return rows


def doc_updates(ctx: AppContext) -> tuple:
    """(documents table, remove dropdown, chat survey checkboxes) for the current index."""
    names = sorted(ctx.documents())
    return (document_rows(ctx), gr.update(choices=names, value=None),
            gr.update(choices=render.survey_choices(ctx.documents()), value=names))


def _file_path(item) -> Path:
    return Path(getattr(item, "name", None) or getattr(item, "path", None) or item)


def _copy_uploads(ctx: AppContext, files) -> tuple[Path, list[Path], list[list]]:
    """Copy uploads into a new folder; duplicate names within one upload are refused."""
    folder = ctx.new_folder(ctx.uploads_dir, "upload")
    copies, rows, seen = [], [], set()
    for item in files:
        source = _file_path(item)
        if source.name in seen:
            rows.append([source.name, "skipped", 0, "another uploaded file has the same name"])
            continue
        seen.add(source.name)
        target = folder / source.name
        shutil.copyfile(source, target)
        copies.append(target)
    return folder, copies, rows


def _tick(progress: Progress | None):
    if progress is None:
        return None
    return lambda stage, done, total: progress(done / total if total else None, desc=f"{stage} ({done}/{total})")


def upload_files(ctx: AppContext, files, progress: Progress | None = None) -> tuple[list[list], str]:
    """Index uploaded files; returns per-file rows (added / updated / unchanged / skipped + reason)
    and a summary. A bad file is reported and dropped; the others and the index are unaffected."""
    if not files:
        return [], "Choose one or more .pdf, .txt or .md files first."
    if not ctx.status.ready:
        return [], "The index is still being built; upload again once it is ready."
    folder, copies, rows = _copy_uploads(ctx, files)
    before = ctx.documents()
    try:
        report = ctx.update_index(copies, progress=_tick(progress))
    except Exception as exc:  # the live index is untouched: build_index writes atomically
        for copy in copies:
            discard(copy, ctx.uploads_dir)
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
    good = sum(r[1] in ("added", "updated") for r in rows)
    bad = sum(r[1] == "skipped" for r in rows)
    summary = f"**{good} file(s) indexed, {bad} skipped.**" + (f" {report.note}" if report.note else "")
    return rows, summary


def remove_document(ctx: AppContext, doc: str | None, progress: Progress | None = None) -> str:
    """Drop ``doc`` from the index (and delete its uploaded copy); the last document is kept."""
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
