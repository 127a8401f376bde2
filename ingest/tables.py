"""Tables: tab-separated rows (or space-separated rows under a ``Table N.`` caption) become one
record per row, rendered with the header names and tagged with the caption."""
from __future__ import annotations

import re

from ingest.blocks import Block, Line

_MARK = re.compile(r"^[✓✔√●■xX]$")
_NO_MARK = re.compile(r"^[✗✘]$")  # "not applicable": shown like an empty cell, never as a mark
_TABLE_CAPTION = re.compile(r"^Table\s*\.?\s*\d+\s*[.:]", re.I)


def _cells(line: Line) -> list[str]:
    return [c.strip() for c in line.text.split("\t")]


def _is_header(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and not any(re.search(r"\d|\[", c) for c in filled)


def render_row(header: list[str], groups: list[str], cells: list[str]) -> tuple[str, dict[str, str]]:
    """``"Model: X; Date: 2023; Tasks: VQA, SEG"`` and the field dict for one row."""
    fields: dict[str, str] = {}
    marks: dict[str, list[str]] = {}
    for col, value in enumerate(cells):
        if not value or _NO_MARK.match(value):
            continue
        name = header[col] if col < len(header) and header[col] else f"Column {col + 1}"
        if _MARK.match(value):
            marks.setdefault(groups[col] if col < len(groups) and groups[col] else "Marked", []).append(name)
        else:
            fields[name] = value
    for group, names in marks.items():
        fields[group] = ", ".join(names)
    return "; ".join(f"{k}: {v}" for k, v in fields.items()), fields


class TableBuilder:
    """Collects consecutive table lines and emits one :class:`Block` per data row."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.section: list[str] = []
        self.pending_caption = ""
        self.current_caption = ""
        self.header: list[str] = []
        self.groups: list[str] = []
        self.space_rows = False

    def caption(self, text: str) -> None:
        """Remember a caption; a ``Table N.`` caption allows space-separated rows to follow."""
        self.pending_caption = text
        self.space_rows = bool(_TABLE_CAPTION.match(text))

    def accepts(self, line: Line) -> bool:
        text = line.text.strip()
        if line.text.count("\t") >= 2:
            return True
        row_like = len(text) <= 160 and len(text.split()) >= 3 and not text.endswith(".")
        tab_table = bool(self.lines) and "\t" in self.lines[0].text  # a note under a tab table is not a row
        return self.space_rows and row_like and not tab_table and not _TABLE_CAPTION.match(text)

    def add(self, line: Line, section: list[str]) -> None:
        if not self.lines:
            self.section = section
        self.lines.append(line)

    def finish(self) -> list[Block]:
        """Emit the collected rows as blocks and reset (the header is kept for continuations)."""
        if not self.lines:
            self.space_rows = False
            return []
        lines, self.lines = self.lines, []
        self.space_rows = False  # only the lines right under a ``Table N.`` caption may be space-separated
        if self.pending_caption:
            self.current_caption, self.pending_caption = self.pending_caption, ""
            self.header, self.groups = [], []
        if "\t" not in lines[0].text:
            return self._space_rows(lines)
        rows = [_cells(line) for line in lines]
        headers = []
        while rows and _is_header(rows[0]) and len(rows) > 1:
            headers.append(rows.pop(0))
            lines = lines[1:]
        if headers:
            self.header = headers[-1]
            self.groups = _spread(headers[-2]) if len(headers) > 1 else []
        blocks = []
        for line, cells in zip(lines, rows):
            text, fields = render_row(self.header, self.groups, cells)
            blocks.append(Block("table-row", line.start, line.end, line.number, line.number, self.section,
                                text=text, caption=self.current_caption, fields=fields))
        return blocks

    def _space_rows(self, lines: list[Line]) -> list[Block]:
        header, rows = lines[0].text.strip(), lines[1:]
        return [
            Block("table-row", line.start, line.end, line.number, line.number, self.section,
                  text=f"Columns: {header}. Row: {line.text.strip()}", caption=self.current_caption)
            for line in rows
        ]


def _spread(group_row: list[str]) -> list[str]:
    """A spanning header row (``Model Information, , , Tasks, ...``) carried across empty cells."""
    spread, last = [], ""
    for cell in group_row:
        last = cell or last
        spread.append(last)
    return spread
