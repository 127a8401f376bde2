"""Chat tab handlers: ask (streamed display), citation selection and example questions.

Per-session state is the chat history (the Chatbot value) and ``turns``: one dict per
assistant reply holding its citations and retrieved passages, so a marker ``[n]`` of any
earlier reply (key ``"turn:n"``) can still be opened."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from ui import render
from ui.context import AppContext

STREAM_DELAY_S = 0.04
SHOWN_QUESTION_CHARS = 300
NO_SURVEY = "no survey is selected; pick at least one under “Surveys to search”"


@dataclass
class Reply:
    """One answered (or refused) question, ready for display."""

    markdown: str
    citations: list[dict] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)
    abstained: bool = False
    error: str | None = None


def make_filters(docs: list[str] | None, all_docs: list[str]):
    """``Filters(docs=...)`` for a strict subset of the indexed surveys; None (search all) for all
    of them or ``docs=None``. A selection naming none of them is refused with a QuestionError."""
    from surveyqa import Filters, QuestionError

    chosen = [d for d in (docs or []) if d in all_docs]
    if docs is not None and not chosen:
        raise QuestionError(NO_SURVEY)
    return Filters(docs=chosen) if chosen and set(chosen) != set(all_docs) else None


def answer_question(ctx: AppContext, question: str, mode: str, k: int, docs: list[str] | None, turn: int) -> Reply:
    """Ask SurveyQA; refusals (empty, too long, index not ready) become friendly replies."""
    from surveyqa import QuestionError

    if not ctx.status.ready:
        return Reply(render.error_markdown(ctx.status.message() if not ctx.status.error else ctx.status.error),
                     error="index not ready")
    try:
        answer = ctx.qa.ask(question, int(k), mode, make_filters(docs, list(ctx.documents())))
    except QuestionError as exc:
        return Reply(render.error_markdown(str(exc)), error=str(exc))
    except Exception as exc:  # show, don't crash the session
        return Reply(render.error_markdown(f"the question could not be answered ({type(exc).__name__}: {exc})"),
                     error=str(exc))
    record = answer.to_dict()
    if answer.abstained:
        return Reply(render.abstain_markdown(record["retrieved"]), [], record["retrieved"], abstained=True)
    markers = {c.marker for c in answer.citations}
    return Reply(render.link_markers(answer.answer, turn, markers), record["citations"], record["retrieved"])


def answer_record(ctx: AppContext, question: str, k: int, mode: str, docs: list[str] | None = None) -> dict:
    """The answer record of ``surveyqa ask --json``, for the HTTP APIs, over the surveys ``docs``
    (:func:`make_filters`; None: all), in the answer processes when there are some; refusals become ``gr.Error``."""
    from surveyqa import QuestionError

    if not ctx.status.ready:
        raise gr.Error(ctx.status.error or ctx.status.message())
    try:
        filters = make_filters(docs, list(ctx.documents()))
        if ctx.answerers:
            return ctx.answerers.answer(ctx.qa.retriever.store.path, question, int(k), mode, filters)
        return ctx.qa.ask(question, int(k), mode, filters).to_dict()
    except (QuestionError, ValueError) as exc:
        raise gr.Error(str(exc)) from exc


def citation_choices(turn: int, citations: list[dict]) -> list[tuple[str, str]]:
    """Radio choices for one reply's citations: (label, "turn:marker")."""
    return [(f"[{c['marker']}] {c.get('doc_title') or c['doc']} — {render.source_label(c)}", f"{turn}:{c['marker']}")
            for c in citations]


def _shown(question: str) -> str:
    question = question or ""
    if not question.strip():
        return "(empty question)"
    if len(question) <= SHOWN_QUESTION_CHARS:
        return question
    return question[:SHOWN_QUESTION_CHARS] + f"… ({len(question):,} characters)"


SEARCHING = ('<div class="src-empty">Answering… when the reply appears, click a marker such as <b>[1]</b> '
             'in it (or pick a citation above) to see the cited passage.</div>')


def _panel(reply: Reply) -> str:
    return render.passages_html(reply.retrieved) if reply.abstained else render.EMPTY_SOURCES


def known_names(ctx: AppContext) -> tuple[str, ...]:
    """Model names of the live index (catalog and cross-survey entities), for follow-up resolution."""
    if not ctx.status.ready:
        return ()
    try:
        return tuple(sorted({e.name for e in ctx.qa.catalog.entries} | set(ctx.qa.cross_survey.names())))
    except Exception:  # no catalog: follow-ups are asked as written
        return ()


def respond(ctx: AppContext, question: str, history: list | None, turns: list | None, mode: str, k: int,
            docs: list[str] | None, delay: float = STREAM_DELAY_S) -> Iterator[tuple]:
    """Chat event: yields (textbox, history, turns, citation radio, sources html, hint html), the
    reply appearing sentence by sentence. A follow-up that refers back (``did it …``) is asked about
    the previous turn's subject and shown as understood (``… (SAM-Med2D)``)."""
    from surveyqa import resolve_followup as resolve

    history, turns = list(history or []), list(turns or [])
    turn = len(turns)
    previous = next((t.get("subject") for t in reversed(turns) if t.get("subject")), None)
    names = known_names(ctx) if len(question or "") <= ctx.settings.max_question_chars else ()
    understood = resolve(question or "", previous, names)
    history.append({"role": "user", "content": render.esc(_shown(understood.shown()))})
    history.append({"role": "assistant", "content": "Searching the surveys…"})
    yield "", history, turns, gr.update(), gr.update(), SEARCHING
    reply = answer_question(ctx, understood.text, mode, k, docs, turn)
    turns.append({"citations": reply.citations, "retrieved": reply.retrieved, "abstained": reply.abstained,
                  "subject": understood.subject, "asked": understood.text})
    if reply.citations and not reply.error:
        for piece in render.stream_pieces(reply.markdown)[:-1]:
            history[-1] = {"role": "assistant", "content": piece}
            yield "", history, turns, gr.update(), gr.update(), SEARCHING
            time.sleep(delay)
    history[-1] = {"role": "assistant", "content": reply.markdown}
    radio = gr.update(choices=citation_choices(turn, reply.citations), value=None,
                      visible=bool(reply.citations))
    # A marker clicked while the reply streams has already filled the panel: keep it.
    yield "", history, turns, radio, gr.update() if reply.citations else _panel(reply), ""


def show_source(key: str | None, turns: list | None, ctx: AppContext | None = None) -> str:
    """Sources panel for ``"turn:marker"`` (an optional ``|nonce`` suffix is ignored); with ``ctx``,
    the passage is shown where it is (:func:`source_card`)."""
    if not key:
        return render.EMPTY_SOURCES
    try:
        turn, marker = (int(x) for x in key.split("|", 1)[0].split(":", 1))
        citation = next(c for c in (turns or [])[turn]["citations"] if int(c["marker"]) == marker)
    except (ValueError, IndexError, KeyError, StopIteration):
        return '<div class="src-empty">That citation is not part of this conversation.</div>'
    return source_card(ctx, citation) if ctx is not None else render.citation_html(citation)


def source_card(ctx: AppContext, citation: dict) -> str:
    """A citation's card with its page of the PDF (the quote boxed) or its passage among the
    file's neighbouring lines; the plain card when the document is no longer indexed."""
    from ui import pages

    try:
        document = ctx.qa.retriever.store.documents[citation["doc"]]
    except (KeyError, AttributeError):
        return render.citation_html(citation)
    if citation.get("page") and document.path.lower().endswith(".pdf"):
        page = document.page_at(citation.get("quote_start") or citation["start"]) or citation["page"]
        return render.citation_html(citation, page_html=pages.pdf_page_html(document.path, page, citation.get("quote", "")))
    return render.citation_html(citation, passage_html=pages.text_context_html(document.text, citation))


def clear_chat() -> tuple:
    return [], [], gr.update(choices=[], value=None, visible=False), render.EMPTY_SOURCES, ""


def example_questions(gold_path: Path, corpus_docs: set[str], limit: int = 6) -> list[str]:
    """A few answerable dev-set questions whose evidence lies in ``corpus_docs``, one per type."""
    try:
        rows = [json.loads(line) for line in Path(gold_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return []
    picked, types, per_doc = [], set(), {}
    for row in rows:  # easy single-survey questions, one per type, at most two per survey
        docs = {e.get("doc") for e in row.get("evidence", [])}
        doc = next(iter(docs), None)
        if (row.get("difficulty") != "easy" or len(docs) != 1 or doc not in corpus_docs
                or row.get("type") in types or per_doc.get(doc, 0) >= 2):
            continue
        picked.append(row["question"])
        types.add(row.get("type"))
        per_doc[doc] = per_doc.get(doc, 0) + 1
    return picked[:limit]
