"""The model catalog: one entry per model row of a survey table or paper of a curated list,
with normalised attributes, the row it came from and its reference entry."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from core.names import closest_name, name_key
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


KINDS = ("model", "dataset", "paper", "survey")
_SURVEY = re.compile(r"\b(?:survey|review|overview)s?\b", re.I)
_DATASET = re.compile(r"\b(?:data ?sets?|database|benchmark|archive|corpus)\b", re.I)
_MODEL = re.compile(r"\b(?:models?|networks?|frameworks?|methods?|approach|architectures?|transformers?)\b", re.I)
_STUDY = re.compile(r"^(?:study|studies|reference|citation|paper|authors?)$", re.I)
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?!\d|\.\d)")
_SPLIT = re.compile(r"([\w-]*[^\W\d_]-?) ([^\W\d_][\w-]*)")  # "Swin- LiteMedSAM", "teach er"
_WORDS = re.compile(r"[\w-]+")


@dataclass
class CatalogEntry:
    """One model (or dataset, paper or survey: ``kind``) as one survey records it."""

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
    kind: str = "model"
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
    refs = list(chunk.refs.values())
    entry.reference = refs[0] if refs else None
    entry.date = entry.date or (year.group(1) if year else "") or _cited_year(chunk.fields, entry.reference)
    title = chunk.fields.get("Title", "")
    if title and title != name:
        entry.aliases.append(title)
    entry.kind = entry_kind(chunk, name)
    return entry


def _cited_year(fields: dict[str, str], reference: str | None) -> str:
    """The year of the study a row cites (``Gao et al., 2024 [99]``), else of its reference entry."""
    for header, value in fields.items():
        if _STUDY.match(header.strip()) and _YEAR.search(value):
            return _YEAR.search(value).group(1)
    years = _YEAR.findall(reference or "")
    return years[-1] if years else ""


def entry_kind(chunk: Chunk, name: str) -> str:
    """What an entry is. A table row: a dataset when its name column is a dataset column, else a
    model. A list entry: a survey when its title or a heading above it says survey/review; a
    dataset when its title speaks of a dataset (database, benchmark…) before any model, or
    names no model under a heading about datasets; a paper when it has no short name of its
    own (the name is the whole title); else a model."""
    fields = chunk.fields
    if chunk.kind == "table-row":
        header = next((h for h, v in fields.items() if name and name in v), "")
        return "dataset" if _DATASET.search(header) else "model"
    title, headings = fields.get("Title", ""), " ".join(chunk.section[1:])
    if _SURVEY.search(title) or _SURVEY.search(headings):
        return "survey"
    data, model = _DATASET.search(title), _MODEL.search(title)
    if data and (not model or data.start() < model.start()) or not model and _DATASET.search(headings):
        return "dataset"
    return "paper" if name == title.rstrip(" .") else "model"


def repair_splits(text: str, vocabulary: set[str]) -> str:
    """``text`` with PDF line-break splits joined where ``vocabulary`` (the document's own words)
    holds the joined form: ``Swin- LiteMedSAM`` → ``Swin-LiteMedSAM``, ``MedSAM(teach er)`` →
    ``MedSAM(teacher)``; ``Tiny Swin`` stays."""
    def join(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        tail = _WORDS.findall(left)[-1]
        for joined in (tail + right, tail.rstrip("-") + right):
            if joined in vocabulary:
                return left[: len(left) - len(tail)] + joined
        return match.group(0)

    return _SPLIT.sub(join, text) if " " in text else text


def _repaired(entry: CatalogEntry, vocabulary: set[str]) -> CatalogEntry:
    """``entry`` with every name and value passed through :func:`repair_splits`."""
    for attribute in ("name", "backbone", "modalities", "tasks", "data", "datasets", "parameters"):
        setattr(entry, attribute, repair_splits(getattr(entry, attribute), vocabulary))
    entry.aliases = [repair_splits(a, vocabulary) for a in entry.aliases]
    entry.fields = {k: repair_splits(v, vocabulary) for k, v in entry.fields.items()}
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
            for key in {name_key(entry.name), *map(name_key, entry.aliases)}:
                if key:
                    self._by_key.setdefault(key, []).append(entry)

    def filter(self, text: str = "", kinds=None) -> list[CatalogEntry]:
        """Entries of ``kinds`` (all kinds when None) with ``text`` in any attribute (case-insensitive)."""
        needle = text.lower().strip()
        return [e for e in self.entries if (kinds is None or e.kind in kinds) and
                (not needle or needle in " ".join([e.name, e.doc, e.source, *e.aliases, *e.fields.values()]).lower())]

    def records(self, name: str) -> list[CatalogEntry]:
        """Every survey's entry for the model called ``name`` (the same name, else a misspelling of
        one: :func:`core.names.closest_name`)."""
        key = name_key(name)
        if key in self._by_key:
            return self._by_key[key]
        match = closest_name(name, self._by_key)
        return self._by_key[match] if match else []

    def lookup(self, name: str) -> CatalogEntry | None:
        """The best entry for ``name`` (see :func:`best_entry`)."""
        return best_entry(self.records(name))

    def compare(self, names: list[str]) -> list[CatalogEntry]:
        """The best entry of each named model, in the order given (unknown names skipped)."""
        return [e for e in (self.lookup(n) for n in names) if e is not None]


def build_catalog(store: StoredIndex) -> Catalog:
    """The catalog of one stored index, names and values repaired against each document's words."""
    vocabularies = {doc: set(_WORDS.findall(d.text)) for doc, d in store.documents.items()}
    entries = (entry_from_chunk(c) for c in store.chunks)
    return Catalog([_repaired(e, vocabularies.get(e.doc, set())) for e in entries if e is not None])
