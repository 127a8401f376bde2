"""HTML/markdown rendering for the UI: answers with clickable ``[n]`` markers, the sources
panel (passage with the cited span in ``<mark>``), abstention notices and small tables.
Everything taken from documents or users is HTML-escaped here."""
from __future__ import annotations

import html
import re

from surveyqa import ARTIFACT, short_title

NOT_IN_INDEX = "Not in the indexed documents"
EMPTY_SOURCES = '<div class="src-empty">Click a citation marker like <b>[1]</b> in an answer to see its source passage.</div>'
SNIPPET_CHARS = 220
_MARKER = re.compile(r"\[(\d+)\]")
_MARKER_RUN = re.compile(r"(?:\[\d+\])+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=\])\s+(?=[A-Z])")
_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
_LINK = re.compile(r"\[\[?([^\[\]]+?)\]?\]\((https?://[^\s()]+)\)")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_EM = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def esc(text) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def inline_markdown(text) -> str:
    """Document text as safe HTML: its tags and ``:contentReference[…]`` artifacts dropped, then
    escaped, with markdown headings, bold, italics and http(s) links rendered (nothing else survives)."""
    plain = _BLANK_RUN.sub("\n\n", _TAG.sub("", ARTIFACT.sub("", str(text if text is not None else ""))))
    out = _LINK.sub(lambda m: f'<a href="{m.group(2)}" target="_blank" rel="noopener noreferrer">{m.group(1)}</a>',
                    esc(plain))
    out = _HEADING.sub(r"<b>\1</b>", out)
    out = _STRONG.sub(lambda m: f"<b>{m.group(1) or m.group(2)}</b>", out)
    return _EM.sub(r"<i>\1</i>", out).replace("**", "")


def survey_choices(documents: dict[str, dict]) -> list[tuple[str, str]]:
    """Survey filter choices: (short title, file name), sorted by file name."""
    return [(short_title(info.get("title", ""), name), name) for name, info in sorted(documents.items())]


def _is_answer_marker(answer: str, match: re.Match, markers: set[int]) -> bool:
    """True for a marker run the answerer appended to a claim (``text [1][2].``), false for a
    survey's own ``[n]`` inside quoted text: those start a claim or precede another bracket."""
    before, after = answer[: match.start()], answer[match.end():]
    if not before or not before[-1].isspace() or before.rstrip().endswith((".", "!", "?")) or not before.strip():
        return False
    if re.match(r"\s*\[\d", after):
        return False
    return all(int(n) in markers for n in _MARKER.findall(match.group(0)))


def link_markers(answer: str, turn: int, markers: set[int]) -> str:
    """Escape ``answer`` and turn its citation markers into anchors the page script catches."""
    out, last = [], 0
    for match in _MARKER_RUN.finditer(answer):
        if not _is_answer_marker(answer, match, markers):
            continue
        out.append(esc(answer[last: match.start()]))
        out.extend(f'<a class="cite" href="#cite-{turn}-{n}" data-cite="{turn}:{n}" title="Show source [{n}]">[{n}]</a>'
                   for n in _MARKER.findall(match.group(0)))
        last = match.end()
    out.append(esc(answer[last:]))
    return "".join(out)


def stream_pieces(answer: str) -> list[str]:
    """Growing prefixes of ``answer``, one more sentence each (for streamed display)."""
    parts = [p for p in _SENTENCE_END.split(answer) if p]
    prefixes, text = [], ""
    for part in parts:
        text = f"{text} {part}".strip()
        prefixes.append(text)
    return prefixes or [answer]


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def abstain_markdown(retrieved: list[dict], limit: int = 3) -> str:
    """The chat message for an abstention: a clear notice plus the closest passages."""
    lines = [f"**{NOT_IN_INDEX}.** The indexed documents do not answer this question, so no answer is given."]
    if retrieved:
        lines.append("\nClosest passages (not an answer):")
        for p in retrieved[:limit]:
            where = " · ".join(x for x in (p.get("doc"), p.get("section")) if x)
            lines.append(f"{p.get('rank', '-')}. *{esc(where)}* — {esc(snippet(p.get('text', '')))}")
    return "\n".join(lines)


def error_markdown(message: str) -> str:
    return f"⚠️ **Can't ask that:** {esc(message)}."


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def quote_span(citation: dict) -> tuple[int, int] | None:
    """Where the quote sits inside the passage text: from the offsets, else by searching for it."""
    text, quote = citation.get("text") or "", citation.get("quote") or ""
    start = (citation.get("quote_start") or 0) - (citation.get("start") or 0)
    end = (citation.get("quote_end") or 0) - (citation.get("start") or 0)
    if 0 <= start < end <= len(text) and (not quote or _normal(text[start:end]) == _normal(quote)):
        return start, end
    if quote:
        at = text.find(quote)
        if at < 0:
            at = text.lower().find(quote.lower())
        if at >= 0:
            return at, at + len(quote)
    if 0 <= start < end <= len(text):
        return start, end
    return None


def highlighted(citation: dict) -> str:
    """The passage, escaped, with the cited span wrapped in ``<mark>``."""
    text = citation.get("text") or ""
    span = quote_span(citation)
    if span is None:
        return inline_markdown(text)
    a, b = span
    return f"{inline_markdown(text[:a])}<mark>{inline_markdown(text[a:b])}</mark>{inline_markdown(text[b:])}"


def location(citation: dict) -> str:
    page, lines = citation.get("page"), citation.get("lines") or []
    if page:
        return f"page {page}"
    if len(lines) >= 2 and lines[0] != lines[1]:
        return f"lines {lines[0]}–{lines[1]}"
    if lines:
        return f"line {lines[0]}"
    return f"characters {citation.get('start')}–{citation.get('end')}"


def source_label(citation: dict) -> str:
    """Where a passage sits: a table row's caption (``Table 1. …``), else its section path."""
    return citation.get("caption") or citation.get("section") or "—"


def citation_html(citation: dict, passage_html: str | None = None, page_html: str = "") -> str:
    """The sources-panel card of one citation; ``passage_html`` replaces the highlighted passage
    (with its surrounding text, say) and ``page_html`` (a rendered PDF page) follows it."""
    ref = citation.get("reference")
    reference = (f'<div class="src-ref"><b>Reference:</b> {inline_markdown(ref)}</div>' if ref
                 else '<div class="src-ref src-none">No bibliography entry for this passage.</div>')
    rendered = citation.get("rendered")
    record = (f'<div class="src-record"><b>As a record:</b> {inline_markdown(rendered)}</div>'
              if rendered and rendered.strip() != (citation.get("text") or "").strip() else "")
    where = "Table" if citation.get("caption") else "Section"
    return (f'<div class="src-card" data-marker="{esc(citation.get("marker"))}">'
            f'<div class="src-head"><span class="src-marker">[{esc(citation.get("marker"))}]</span> '
            f'<span class="src-title">{esc(citation.get("doc_title") or citation.get("doc"))}</span></div>'
            f'<div class="src-meta"><b>{where}:</b> {esc(source_label(citation))} · '
            f'<b>{esc(location(citation))}</b> · <code>{esc(citation.get("doc"))}</code></div>'
            f'<blockquote class="src-passage">{passage_html or highlighted(citation)}</blockquote>{page_html}'
            f'{record}{reference}</div>')


def passages_html(retrieved: list[dict], limit: int = 3) -> str:
    """The sources panel after an abstention: the closest passages, plainly labelled."""
    if not retrieved:
        return f'<div class="src-empty">{NOT_IN_INDEX}: nothing relevant was retrieved.</div>'
    cards = [f'<div class="src-card"><div class="src-meta"><b>#{esc(p.get("rank"))}</b> '
             f'<code>{esc(p.get("doc"))}</code> · {esc(source_label(p))} · score {esc(p.get("score"))}</div>'
             f'<blockquote class="src-passage">{inline_markdown(p.get("text"))}</blockquote></div>' for p in retrieved[:limit]]
    return f'<div class="src-notice">{NOT_IN_INDEX} — closest passages:</div>' + "".join(cards)


CSS = """
.cite { color: #1d4ed8; font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 1px; }
.cite:hover { text-decoration: underline; background: #dbeafe; border-radius: 3px; }
.src-card { border: 1px solid #d1d5db; border-radius: 8px; padding: 10px 12px; margin-bottom: 8px; }
.src-head { font-size: 1.05em; margin-bottom: 4px; }
.src-marker { color: #1d4ed8; font-weight: 700; }
.src-title { font-weight: 600; }
.src-meta { color: #4b5563; font-size: 0.9em; margin-bottom: 6px; }
.src-passage { position: relative; white-space: pre-wrap; max-height: 340px; overflow-y: auto; margin: 6px 0;
               border-left: 3px solid #93c5fd; padding-left: 10px; font-size: 0.92em; }
.src-passage mark { background: #fde68a; padding: 0 1px; }
.src-ref, .src-record { font-size: 0.88em; color: #374151; margin-top: 4px; }
.src-none { color: #9ca3af; }
.src-notice { font-weight: 600; color: #b91c1c; margin-bottom: 6px; }
.src-empty { color: #6b7280; padding: 8px; }
.src-context .src-cited { background: #eff6ff; }
.src-page { margin: 8px 0; }
.src-page-frame { position: relative; display: inline-block; width: 100%; border: 1px solid #d1d5db; }
.src-page-frame img { display: block; width: 100%; height: auto; }
.src-hl { position: absolute; background: rgba(250, 204, 21, 0.38); outline: 2px solid rgba(217, 119, 6, 0.85);
          pointer-events: none; }
.src-page figcaption, .src-page-missing { font-size: 0.88em; color: #4b5563; margin-top: 4px; }
"""

# Runs once on page load: a click on an inline [n] marker writes "turn:marker|nonce" into the
# hidden #cite-target box and fires its input event, which renders that citation's source;
# each survey filter label gets its file name as a hover title, and a passage shown in its
# surrounding text is scrolled to its highlight.
CITE_JS = """
() => {
  const onChange = () => {
    document.querySelectorAll('#survey-filter label').forEach((label) => {
      const box = label.querySelector('input');
      if (box && label.title !== box.name) label.title = box.name;
    });
    const passage = document.querySelector('#sources-panel .src-passage');
    const mark = passage && passage.querySelector('.src-context mark');
    if (mark && passage.dataset.scrolled !== mark.textContent) {
      passage.dataset.scrolled = mark.textContent;
      passage.scrollTop = Math.max(0, mark.offsetTop - passage.clientHeight / 3);
    }
  };
  new MutationObserver(onChange).observe(document.body, { childList: true, subtree: true });
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a.cite, a[href^="#cite-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const parts = (link.getAttribute('href') || '').replace('#cite-', '').split('-');
    const key = link.dataset.cite || (parts.length === 2 ? parts[0] + ':' + parts[1] : '');
    const box = document.querySelector('#cite-target textarea, #cite-target input');
    if (!key || !box) return;
    const proto = Object.getPrototypeOf(box);
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(box, key + '|' + Date.now());
    box.dispatchEvent(new Event('input', { bubbles: true }));
    const panel = document.querySelector('#sources-panel');
    if (panel) panel.scrollIntoView({ block: 'nearest' });
  }, true);
}
"""
