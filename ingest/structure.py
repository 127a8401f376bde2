"""Find the structure of a plain-text (or PDF-extracted) survey: title, headings, paragraphs,
tables, captions and the reference list; drop publisher boilerplate after the article."""
from __future__ import annotations

import re

from ingest import boilerplate, tables
from ingest.blocks import Block, Line, ParsedDocument, attach_headings, split_lines
from ingest.references import REFERENCE_HEADINGS, entry_start, parse_reference

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z][^\t]*)$")
_STRUCTURAL = re.compile(
    r"^(abstract|introduction|references|bibliography|acknowledge?ments?|conclusions?|discussion|"
    r"keywords?|appendix|related work|methods?|results)\s*:?$",
    re.I,
)
_DATE = re.compile(
    r"^\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}$", re.I
)
CAPTION = re.compile(r"^(?:Table|Fig\.?|Figure)\s*\.?\s*(\d+)\s*[.:]", re.I)
MINOR_LEVEL = 9
# What a section title never holds, though a line of PDF text may: a sentence ending inside it (a numbered
# list item or a wrapped sentence), code (identifiers, braces, assignments, escapes), or a last word that
# only a sentence going on to the next line ends with.
_SENTENCE_INSIDE = re.compile(r"[a-z]{2}[.!?]\s+[A-Z]")
_CODE = re.compile(r"[_{}=<>\\|]")
_DANGLING = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "with", "by", "from", "as", "that"}


def heading(line: str, next_line: str, prev_blank: bool) -> tuple[int, str] | None:
    """``(level, title)`` when ``line`` is a section heading."""
    text = line.strip()
    if not text or "\t" in line or len(text) > 120 or text[-1] in ".,;:)" or CAPTION.match(text):
        return None
    if "@" in text or "http" in text or _DATE.match(text):
        return None
    if _SENTENCE_INSIDE.search(text) or _CODE.search(text) or text.split()[-1].lower() in _DANGLING:
        return None
    numbered = _NUMBERED.match(text)
    if numbered and len(text.split()) <= 14 and int(numbered.group(1).split(".")[0]) <= 30:
        return numbered.group(1).count(".") + 1, text
    if _STRUCTURAL.match(text):
        return 1, text.rstrip(":")
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters) and len(text.split()) <= 10:
        return 1, text
    words = text.split()
    if (
        prev_blank
        and len(words) <= 6
        and text[0].isupper()
        and len(next_line) > 200
        and sum(w[0].isupper() for w in words if w[0].isalpha()) >= max(1, len(words) // 2)
    ):
        return MINOR_LEVEL, text
    return None


def _continues(last: str, following: str) -> bool:
    """True when a blank line falls inside a sentence (extraction artefact): no closing
    punctuation before it and a lower-case word after it."""
    last, following = last.rstrip(), following.lstrip()
    return bool(last) and last[-1] not in ".!?:;" and following[:1].islower() and "\t" not in following


def find_title(lines: list[Line], fallback: str) -> str:
    """The first substantial line that reads like a title (not a sentence, heading or e-mail)."""
    for line in lines[:40]:
        text = line.text.strip()
        if 4 <= len(text.split()) <= 30 and len(text) <= 250 and not text.endswith(".") and "@" not in text:
            if not _NUMBERED.match(text) and "\t" not in text:
                return text.lstrip("# ").strip()
    return fallback


class _SectionStack:
    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []

    def push(self, level: int, title: str) -> None:
        self.items = [item for item in self.items if item[0] < level] + [(level, title)]

    def path(self) -> list[str]:
        return [title for _, title in self.items]


def parse_text(text: str, doc_name: str) -> ParsedDocument:
    """Parse a text document into blocks; references become their own entries."""
    lines = split_lines(text)
    lines = lines[: boilerplate.article_end(lines)]
    title = find_title(lines, doc_name)
    stack = _SectionStack()
    blocks: list[Block] = []
    references = {}
    paragraph: list[Line] = []
    ref_lines: list[tuple[int, list[Line]]] = []
    table = tables.TableBuilder()
    in_references = False
    headings: list[tuple[Line, list[str]]] = []

    def flush_paragraph() -> None:
        if paragraph:
            blocks.append(Block("text", paragraph[0].start, paragraph[-1].end, paragraph[0].number,
                                paragraph[-1].number, stack.path()))
            paragraph.clear()

    for index, line in enumerate(lines):
        stripped = line.text.strip()
        next_text = next((ln.text for ln in lines[index + 1: index + 3] if ln.text.strip()), "")
        prev_blank = index == 0 or not lines[index - 1].text.strip()
        if not stripped:
            if not (paragraph and _continues(paragraph[-1].text, next_text)):
                flush_paragraph()
            continue
        if table.accepts(line):
            flush_paragraph()
            table.add(line, stack.path())
            continue
        blocks.extend(table.finish())
        found = None if in_references and entry_start(line.text) else heading(line.text, next_text, prev_blank)
        if found and stripped != title:
            flush_paragraph()
            stack.push(*found)
            headings.append((line, stack.path()))
            in_references = bool(REFERENCE_HEADINGS.match(found[1]))
            continue
        if in_references:
            entry = entry_start(line.text)
            if entry:
                ref_lines.append((entry[0], [line]))
                continue
            if ref_lines and not CAPTION.match(stripped) and (not prev_blank or _unfinished(ref_lines[-1][1][-1])):
                ref_lines[-1][1].append(line)
                continue
            if CAPTION.match(stripped):
                in_references = False
                stack.push(1, "Figures and tables")
        caption = CAPTION.match(stripped)
        if caption:
            flush_paragraph()
            table.caption(stripped)
        paragraph.append(line)
        if caption:
            flush_paragraph()
    flush_paragraph()
    blocks.extend(table.finish())
    for number, entry_lines in ref_lines:
        raw = _join_entry(entry_start(entry_lines[0].text)[1], [ln.text for ln in entry_lines[1:]])
        references[number] = parse_reference(number, raw)
        blocks.append(Block("reference", entry_lines[0].start, entry_lines[-1].end, entry_lines[0].number,
                            entry_lines[-1].number, ["References"], text=f"[{number}] {raw}",
                            fields=_reference_fields(references[number])))
    attach_headings(blocks, headings, text)
    return ParsedDocument(title=title, blocks=blocks, references=references)


def _unfinished(line: Line) -> bool:
    """A reference line cut off mid-entry (``..., C. G. Snoek,`` or ``prompt learn-``), so the
    entry goes on after a blank line such as a page break."""
    return line.text.rstrip()[-1:] in (",", ";", ":", "-", "–", "&")


def _join_entry(first: str, more: list[str]) -> str:
    """One entry's text from its lines: list bullets on continuation lines dropped, a word
    hyphenated across lines joined when the next line goes on in lower case."""
    raw = first.strip()
    for text in more:
        text = re.sub(r"^[-*]\s+", "", text.strip())
        if re.search(r"[a-z]-$", raw) and text[:1].islower():
            raw = raw[:-1] + text
        else:
            raw = f"{raw} {text}"
    return raw


def _reference_fields(ref) -> dict[str, str]:
    fields = {"number": str(ref.number), "authors": ref.authors, "title": ref.title, "venue": ref.venue, "year": ref.year}
    return {k: v for k, v in fields.items() if v}
