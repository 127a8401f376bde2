"""Markdown documents, paper lists in particular: headings (and ``<summary>`` groups) give the
section path, each top-level list entry becomes one record with its labelled fields."""
from __future__ import annotations

import re

from ingest.blocks import Block, Line, ParsedDocument, attach_headings, split_lines

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_SUMMARY = re.compile(r"^\s*<summary>(.+?)</summary>\s*$")
_ITEM = re.compile(r"^[-*+]\s+(.+)$")
_NESTED = re.compile(r"^\s+[-*+]\s+(.+)$")
_LINK = re.compile(r"\[\[?([^\]]+?)\]?\]\(([^)\s]+)\)")
_LABEL = re.compile(r"^([A-Z][\w /-]{1,30}):\s*(.+)$")
ARTIFACT = re.compile(r"\s?:contentReference\[oaicite:\d+\](?:\{index=\d+\})?")  # chat-export residue
_DECORATION = re.compile(r"^\s*(\[?!\[.*|</?details>|<br\s*/?>)\s*$")
SUMMARY_LEVEL = 7


def _strip_markup(text: str) -> str:
    text = ARTIFACT.sub("", text)
    text = _LINK.sub(lambda m: m.group(1) if not m.group(1).startswith("[") else "", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\*\*|__|`", "", text).strip()


def parse_item(lines: list[Line]) -> tuple[str, dict[str, str]]:
    """Render one list entry as ``Label: value`` lines and return its fields."""
    head = _ITEM.match(lines[0].text).group(1)
    fields = {"Title": _strip_markup(_LINK.sub("", head)).rstrip(" .") or _strip_markup(head)}
    links = [url for _, url in _LINK.findall(head)]
    if links:
        fields["Link"] = " ".join(links)
    digest: list[str] = []
    in_digest = False
    for line in lines[1:]:
        nested = _NESTED.match(line.text)
        body = _strip_markup(nested.group(1) if nested else line.text)
        if "<summary>" in line.text:
            in_digest, digest = True, []
            fields_key = _strip_markup(_SUMMARY.sub(r"\1", line.text.split("<details>")[-1])) or "Details"
            continue
        if "</details>" in line.text:
            if in_digest and digest:
                fields[fields_key] = " ".join(digest)
            in_digest = False
            continue
        if in_digest:
            digest.append(body)
            continue
        label = _LABEL.match(body)
        if label:
            fields[label.group(1)] = label.group(2).rstrip(" .")
        elif body and "Authors" not in fields:
            fields["Authors"] = body.rstrip(" .")
        elif body:
            fields.setdefault("Notes", "")
            fields["Notes"] = f"{fields['Notes']} {body}".strip()
    return "\n".join(f"{k}: {v}" for k, v in fields.items()), fields


def parse_markdown(text: str, doc_name: str) -> ParsedDocument:
    """Parse a markdown file into list-item records, paragraphs and per-section outlines."""
    lines = split_lines(text)
    title = next((m.group(2) for ln in lines if (m := _HEADING.match(ln.text)) and len(m.group(1)) == 1), doc_name)
    stack: list[tuple[int, str, Line]] = []
    blocks: list[Block] = []
    current: list[Line] = []
    current_kind = ""
    outline: dict[tuple[str, ...], int] = {}
    headings: list[tuple[Line, list[str]]] = []

    def path() -> list[str]:
        return [t for _, t, _ in stack]

    def flush() -> None:
        nonlocal current_kind
        if current and current_kind == "item":
            rendered, fields = parse_item(current)
            blocks.append(Block("list-item", current[0].start, current[-1].end, current[0].number,
                                current[-1].number, path(), text=rendered, fields=fields))
            for depth in range(1, len(stack) + 1):
                key = tuple(path()[:depth])
                outline[key] = outline.get(key, 0) + 1
        elif current:
            blocks.append(Block("text", current[0].start, current[-1].end, current[0].number,
                                current[-1].number, path()))
        current.clear()
        current_kind = ""

    for line in lines:
        heading, summary = _HEADING.match(line.text), _SUMMARY.match(line.text)
        if heading or (summary and current_kind != "item"):
            flush()
            level, name = (len(heading.group(1)), heading.group(2)) if heading else (SUMMARY_LEVEL, summary.group(1))
            stack[:] = [s for s in stack if s[0] < level] + [(level, _strip_markup(name), line)]
            outline.setdefault(tuple(path()), 0)
            headings.append((line, path()))
        elif line.text.strip() == "</details>" and not (current_kind == "item" and _open_details(current)):
            flush()  # closes a <summary> group (a digest's </details> belongs to its entry)
            stack[:] = [s for s in stack if s[0] < SUMMARY_LEVEL]
        elif _ITEM.match(line.text):
            flush()
            current_kind = "item"
            current.append(line)
        elif current_kind == "item" and line.text.startswith((" ", "\t")) and line.text.strip():
            current.append(line)
        elif not line.text.strip() or _DECORATION.match(line.text):
            flush()
        else:
            if current_kind == "item":
                flush()
            current_kind = "text"
            current.append(line)
    flush()
    attach_headings(blocks, headings, text)
    blocks.extend(_outline_blocks(lines, outline))
    return ParsedDocument(title=title, blocks=blocks, references={})


def _open_details(lines: list[Line]) -> bool:
    """True when ``lines`` open more ``<details>`` than they close."""
    return sum(ln.text.count("<details>") - ln.text.count("</details>") for ln in lines) > 0


def _outline_blocks(lines: list[Line], outline: dict[tuple[str, ...], int]) -> list[Block]:
    """One record per section that has subsections, listing them and how many entries each holds."""
    headings = {}
    for line in lines:
        match = _HEADING.match(line.text) or _SUMMARY.match(line.text)
        if match:
            headings.setdefault(_strip_markup(match.groups()[-1]), line)
    blocks = []
    for parent in outline:
        children = [key for key in outline if len(key) == len(parent) + 1 and key[:-1] == parent]
        if not children or parent[-1] not in headings:
            continue
        parts = [f"{key[-1]} ({outline[key]} entries)" if outline[key] else f"{key[-1]} (no entries listed)"
                 for key in children]
        text = f"Section '{parent[-1]}' has {len(children)} subsections: " + "; ".join(parts) + "."
        line = headings[parent[-1]]
        blocks.append(Block("text", line.start, line.end, line.number, line.number, list(parent), text=text))
    return blocks
