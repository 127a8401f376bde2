"""Names of the things the surveys catalogue (table-row models, listed papers, cited titles) and
where they occur, so a question naming ``CLIP`` or ``SAM-Med2D`` finds exactly those records."""
from __future__ import annotations

import re
from collections import defaultdict

from core.names import NameFinder
from index.text import acronym_definitions
from ingest.records import Chunk

_NAME_FIELDS = re.compile(r"^(models?|methods?|names?|model name)$", re.I)
_CITATION = re.compile(r"\s*\[[\d,\s–-]+\]\s*")


def clean_name(text: str) -> str:
    """A record's name without citation markers and stray punctuation."""
    return _CITATION.sub(" ", text).strip(" .,;:*")


def record_name(chunk: Chunk) -> str:
    """The name a table row, list item or reference entry is about ('' for prose)."""
    fields = chunk.fields
    if chunk.kind == "table-row" and fields:
        key = next((k for k in fields if _NAME_FIELDS.match(k)), next(iter(fields)))
        return clean_name(fields[key])
    title = fields.get("Title") or fields.get("title") or ""
    if chunk.kind in ("list-item", "reference") and ":" in title:
        head = title.split(":", 1)[0]
        return clean_name(head) if len(head.split()) <= 4 else ""
    return ""


class EntityIndex:
    """Record names → chunk positions; finds the names a question mentions."""

    def __init__(self, chunks: list[Chunk]):
        self.positions: dict[str, list[int]] = defaultdict(list)
        for position, chunk in enumerate(chunks):
            name = record_name(chunk)
            if len(name) >= 2 and any(c.isalpha() for c in name):
                self.positions[name].append(position)
        self._finders = {name: NameFinder(name, record=True) for name in self.positions}
        self._aliases = {}  # long form -> (pattern, record name), from "Segment Anything Model (SAM)"
        for chunk in chunks:
            if chunk.kind == "text":
                for long_form, acronym in acronym_definitions(chunk.text):
                    if acronym in self.positions and long_form.lower() not in self._aliases:
                        self._aliases[long_form.lower()] = (NameFinder(long_form, record=True), acronym)

    def mentioned(self, text: str, spelled: list[tuple[str, str]] | None = None) -> list[str]:
        """Names occurring in ``text`` (or spelled out, as the surveys define them: ``spelled``, when
        the caller has :meth:`spelled_out` already); a name inside a longer matched name is dropped."""
        lowered = text.lower()
        found = [name for name, finder in self._finders.items() if finder.search(text, lowered)]
        spelled = self.spelled_out(text, lowered) if spelled is None else spelled
        found = list(dict.fromkeys(found + [name for _, name in spelled]))
        return [n for n in found if not any(len(n) < len(m) and n.lower() in m.lower() for m in found)]

    def spelled_out(self, text: str, lowered: str | None = None) -> list[tuple[str, str]]:
        """``(long form, record name)`` for each long form in ``text`` ("Segment Anything Model", "SAM")."""
        return [(long_form, name) for long_form, (finder, name) in self._aliases.items() if finder.search(text, lowered)]
