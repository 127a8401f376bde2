"""The model catalog: one entry per model row of a survey table or paper of a curated list,
with normalised attributes, the row it came from and its reference entry."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from rapidfuzz import fuzz, process

from index.entities import record_name
from index.store import StoredIndex
from ingest.records import Chunk

# Table headers (and list-entry labels) → catalog attribute.
ATTRIBUTE_HEADERS = {
    "backbone": re.compile(r"backbone|architecture|encoder", re.I),
    "modalities": re.compile(r"modalit|imaging domain|data format|organ", re.I),
    "tasks": re.compile(r"task", re.I),
    "data": re.compile(r"(data|dataset).*(size|scale|quantity)", re.I),
    "datasets": re.compile(r"^(datasets?|training data)$", re.I),
    "date": re.compile(r"^(date|year|time|release)", re.I),
    "parameters": re.compile(r"^param", re.I),
}


def normalise_name(name: str) -> str:
    """Lower-case alphanumerics only: ``SAM-Med2D`` → ``sammed2d``."""
    return re.sub(r"[^0-9a-z]+", "", name.lower())


@dataclass
class CatalogEntry:
    """One model (or dataset/paper) as one survey records it."""

    name: str
    doc: str
    doc_title: str
    source: str
    chunk_id: str
    aliases: list[str] = field(default_factory=list)
    backbone: str = ""
    modalities: str = ""
    tasks: str = ""
    data: str = ""
    datasets: str = ""
    date: str = ""
    parameters: str = ""
    reference: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def entry_from_chunk(chunk: Chunk) -> CatalogEntry | None:
    """A catalog entry for a table row or list item that names a model; None otherwise."""
    if chunk.kind not in ("table-row", "list-item"):
        return None
    name = record_name(chunk) or (chunk.fields.get("Title", "") if chunk.kind == "list-item" else "")
    if not name and chunk.kind == "table-row" and not chunk.fields:
        name = re.split(r"\s*\[\d", chunk.text.split("Row:", 1)[-1].strip())[0].split(" ")[0]
    if not name:
        return None
    entry = CatalogEntry(name=name, doc=chunk.doc, doc_title=chunk.doc_title, source=chunk.caption or chunk.section_path,
                         chunk_id=chunk.id, fields=dict(chunk.fields) or {"Row": chunk.text})
    for header, value in chunk.fields.items():
        for attribute, pattern in ATTRIBUTE_HEADERS.items():
            if pattern.search(header) and not getattr(entry, attribute):
                setattr(entry, attribute, value)
    year = re.search(r"\((\d{4})\)\s*$", chunk.section[-1]) if chunk.section else None
    if year and not entry.date:
        entry.date = year.group(1)
    refs = list(chunk.refs.values())
    entry.reference = refs[0] if refs else None
    title = chunk.fields.get("Title", "")
    if title and title != name:
        entry.aliases.append(title)
    return entry


def best_entry(entries: list[CatalogEntry]) -> CatalogEntry | None:
    """The most informative of one model's entries (a table row is preferred over a list entry)."""
    return max(entries, key=lambda e: (bool(e.backbone or e.data), len(e.fields))) if entries else None


class Catalog:
    """All entries of an index, with fuzzy lookup, filtering and side-by-side comparison."""

    def __init__(self, entries: list[CatalogEntry]):
        self.entries = entries
        self._by_key: dict[str, list[CatalogEntry]] = {}
        for entry in entries:
            for key in {normalise_name(entry.name), *map(normalise_name, entry.aliases)}:
                if key:
                    self._by_key.setdefault(key, []).append(entry)

    def filter(self, text: str = "") -> list[CatalogEntry]:
        """Entries with ``text`` in any attribute (case-insensitive); all entries for ''."""
        needle = text.lower().strip()
        if not needle:
            return list(self.entries)
        return [e for e in self.entries
                if needle in " ".join([e.name, e.doc, e.source, *e.aliases, *e.fields.values()]).lower()]

    def records(self, name: str) -> list[CatalogEntry]:
        """Every survey's entry for the model called ``name`` (exact, then fuzzy match)."""
        key = normalise_name(name)
        if key in self._by_key:
            return self._by_key[key]
        match = process.extractOne(key, list(self._by_key), scorer=fuzz.ratio, score_cutoff=88) if key else None
        return self._by_key[match[0]] if match else []

    def lookup(self, name: str) -> CatalogEntry | None:
        """The best entry for ``name`` (see :func:`best_entry`)."""
        return best_entry(self.records(name))

    def compare(self, names: list[str]) -> list[CatalogEntry]:
        """The best entry of each named model, in the order given (unknown names skipped)."""
        return [e for e in (self.lookup(n) for n in names) if e is not None]


def build_catalog(store: StoredIndex) -> Catalog:
    """The catalog of one stored index."""
    return Catalog([e for e in (entry_from_chunk(c) for c in store.chunks) if e is not None])
