"""Entity resolution across surveys: one :class:`Entity` per model, gathering its table rows,
paper-list entries, reference-list entries and the sentences that mention it, each kept as a
:class:`Source` with its document span."""
from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass, field

from answer.catalog import Catalog, CatalogEntry
from core.names import name_key, name_regex, searchable, usable_name, whole_word
from index.entities import record_name
from index.store import StoredIndex
from ingest.records import Chunk
from ingest.sentences import sentence_spans

_CITE_AFTER = re.compile(r"\s*\[(\d+(?:\s*[,–-]\s*\d+)*)\]")
_VERSION_AFTER = re.compile(r"[ \t]v?\d{1,2}(?:\.\d)?(?![\w%]|\.\d)")
_QUOTE_CHARS = 400
_BROKEN = re.compile(r"\w- \w")  # "UniMed- CLIP": a hyphenated name split across PDF lines


@dataclass(kw_only=True)
class Span:
    """A cited passage: which survey, where (characters and lines), and its text."""

    doc: str
    doc_title: str
    chunk_id: str
    start: int
    end: int
    line_start: int
    line_end: int
    quote: str


@dataclass(kw_only=True)
class Source(Span):
    """One passage of one survey about an entity."""

    kind: str  # table-row | list-item | reference | mention
    written: str = ""  # the name as this passage writes it

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Mention:
    """An entity named inside a chunk of running text (offsets are document offsets)."""

    key: str
    start: int
    end: int
    written: str


@dataclass
class Entity:
    """A model (or dataset) as all surveys together know it."""

    key: str
    names: dict[str, int] = field(default_factory=dict)  # written form → how often seen in records
    titles: list[str] = field(default_factory=list)
    records: list[CatalogEntry] = field(default_factory=list)
    references: list[Chunk] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The canonical name: a form without line-break debris (``UniMed- CLIP``), the one the
        records use most, the first seen on ties."""
        order = list(self.names)
        return max(order, key=lambda n: (not _BROKEN.search(n), self.names[n], -order.index(n)))

    @property
    def aliases(self) -> list[str]:
        return [n for n in self.names if n != self.name]

    @property
    def docs(self) -> list[str]:
        return sorted({s.doc for s in self.sources})

    @property
    def homonyms(self) -> bool:
        """Two rows of one table carry this name (possibly two different models)."""
        tables = [(r.doc, r.source) for r in self.records if r.fields and "Title" not in r.fields]
        return len(tables) != len(set(tables))

    def add_name(self, written: str, weight: int = 1) -> None:
        written = " ".join(written.split())
        self.names[written] = self.names.get(written, 0) + weight


class Corpus:
    """Document texts with line numbers and sentence spans, for citing exact spans."""

    def __init__(self, store: StoredIndex):
        self.titles = {c.doc: c.doc_title for c in store.chunks}
        self.texts = {name: doc.text for name, doc in store.documents.items()}
        self._lines = {name: [i for i, ch in enumerate(text) if ch == "\n"] for name, text in self.texts.items()}
        self._sentences: dict[tuple[str, int, int], list[tuple[int, int]]] = {}

    def line(self, doc: str, offset: int) -> int:
        return bisect.bisect_left(self._lines.get(doc, []), offset) + 1

    def source(self, kind: str, doc: str, chunk_id: str, start: int, end: int, written: str = "") -> Source:
        text = self.texts.get(doc, "")
        quote = " ".join(text[start:end].split())
        if len(quote) > _QUOTE_CHARS:
            quote = quote[: _QUOTE_CHARS - 1] + "…"
        return Source(kind=kind, doc=doc, doc_title=self.titles.get(doc, doc), chunk_id=chunk_id, start=start,
                      end=end, line_start=self.line(doc, start), line_end=self.line(doc, max(start, end - 1)),
                      quote=quote, written=written)

    def sentences(self, doc: str, start: int, end: int) -> list[tuple[int, int]]:
        """Sentence spans (document offsets) of ``doc[start:end]``."""
        key = (doc, start, end)
        if key not in self._sentences:
            self._sentences[key] = sentence_spans(self.texts.get(doc, "")[start:end], offset=start)
        return self._sentences[key]

    def sentence_at(self, doc: str, start: int, end: int, offset: int) -> tuple[int, int]:
        for s, e in self.sentences(doc, start, end):
            if s <= offset < e:
                return s, e
        return start, end


class Resolver:
    """Builds the entities of one index: seeds from the catalog, then references and mentions."""

    def __init__(self, store: StoredIndex, catalog: Catalog, corpus: Corpus):
        self.store, self.catalog, self.corpus = store, catalog, corpus
        self.chunks = {c.id: c for c in store.chunks}
        self.entities: dict[str, Entity] = {}
        self.mentions: dict[str, list[Mention]] = {}  # chunk id → mentions in it
        self._pattern: re.Pattern | None = None

    # -- lookup -----------------------------------------------------------------------------
    def find(self, name: str) -> Entity | None:
        """The entity ``name`` names: same key, or the key plus/minus a plural ``s``."""
        key = name_key(name)
        if not key:
            return None
        if key in self.entities:
            return self.entities[key]
        if len(key) > 3 and key.endswith("s") and key[:-1] in self.entities and not key[:-1].endswith("s"):
            return self.entities[key[:-1]]
        return self.entities.get(key + "s") if len(key) >= 3 and not key.endswith("s") else None

    # -- building -----------------------------------------------------------------------------
    def build(self) -> dict[str, Entity]:
        self._seed()
        self._find_mentions()
        self._link_references()
        for entity in self.entities.values():
            seen, unique = set(), []
            for source in entity.sources:
                if (source.doc, source.start, source.end, source.kind) not in seen:
                    seen.add((source.doc, source.start, source.end, source.kind))
                    unique.append(source)
            entity.sources = unique
        return self.entities

    def _seed(self) -> None:
        for entry in self.catalog.entries:
            if not usable_name(entry.name):
                continue
            entity = self.find(entry.name)
            if entity is None:
                entity = self.entities.setdefault(name_key(entry.name), Entity(name_key(entry.name)))
            entity.add_name(entry.name)
            entity.records.append(entry)
            entity.titles.extend(t for t in entry.aliases if t not in entity.titles)
            chunk = self.chunks.get(entry.chunk_id)
            if chunk is not None:
                entity.sources.append(self.corpus.source(chunk.kind, chunk.doc, chunk.id, chunk.start, chunk.end, entry.name))

    def pattern(self) -> re.Pattern:
        """One alternation of every searchable name, longest first, as whole words."""
        if self._pattern is None:
            names = {n for e in self.entities.values() for n in e.names if searchable(n)}
            body = "|".join(name_regex(n) for n in sorted(names, key=lambda n: (-len(n), n)))
            self._pattern = re.compile(whole_word(body) if body else r"(?!x)x")
        return self._pattern

    def mentions_in(self, text: str, offset: int = 0) -> list[Mention]:
        """Entities named in ``text`` (``SAM 2`` is not a mention of ``SAM``)."""
        found = []
        for match in self.pattern().finditer(text):
            entity = self.find(match.group())
            if entity is None or _VERSION_AFTER.match(text, match.end()):
                continue
            found.append(Mention(entity.key, offset + match.start(), offset + match.end(), match.group()))
        return found

    def _find_mentions(self) -> None:
        """Names in running text, in paper-list digests and in other rows' cells (a dataset column
        naming ``MIMIC-CXR``); a record's own row or entry is not a mention of itself."""
        for chunk in self.store.chunks:
            if chunk.kind not in ("text", "list-item", "table-row"):
                continue
            text = self.corpus.texts.get(chunk.doc, "")[chunk.start:chunk.end]
            mentions = self.mentions_in(text, chunk.start)
            self.mentions[chunk.id] = mentions
            for mention in mentions:
                entity = self.entities[mention.key]
                if any(r.chunk_id == chunk.id for r in entity.records):
                    continue
                start, end = (self.corpus.sentence_at(chunk.doc, chunk.start, chunk.end, mention.start)
                              if chunk.kind == "text" else (chunk.start, chunk.end))
                entity.sources.append(self.corpus.source("mention", chunk.doc, chunk.id, start, end, mention.written))
                written = " ".join(mention.written.split())
                if written not in entity.names:
                    entity.names[written] = 0

    def _link_references(self) -> None:
        """Reference-list entries: those an entity's own rows cite; else those titled with its name
        (preferring ones cited right after a mention); never a homonym where a row already cites."""
        refs: dict[tuple[str, str], Chunk] = {}
        by_name: dict[str, list[Chunk]] = {}
        for chunk in self.store.chunks:
            if chunk.kind != "reference":
                continue
            refs[(chunk.doc, chunk.fields.get("number", ""))] = chunk
            name = record_name(chunk)
            entity = self.find(name) if usable_name(name) else None
            if entity is not None:
                by_name.setdefault(entity.key, []).append(chunk)
        cited_after: dict[str, set[tuple[str, str]]] = {}
        for chunk_id, mentions in self.mentions.items():
            chunk = self.chunks[chunk_id]
            text = self.corpus.texts.get(chunk.doc, "")
            for mention in mentions:
                match = _CITE_AFTER.match(text, mention.end)
                if match:
                    numbers = re.findall(r"\d+", match.group(1))
                    cited_after.setdefault(mention.key, set()).update((chunk.doc, n) for n in numbers)
        for key, entity in self.entities.items():
            linked: dict[str, list[Chunk]] = {}
            for entry in entity.records:
                chunk = self.chunks.get(entry.chunk_id)
                cited = [refs[(entry.doc, n)] for n in (chunk.refs if chunk else {}) if (entry.doc, n) in refs]
                titled = [r for r in cited if self.find(record_name(r)) is entity]
                for ref in titled or cited:  # a row citing [81] and [82]: the one titled with the name
                    if ref not in linked.setdefault(entry.doc, []):
                        linked[entry.doc].append(ref)
            named: dict[str, list[Chunk]] = {}
            for ref in by_name.get(key, []):
                named.setdefault(ref.doc, []).append(ref)
            for doc, candidates in named.items():
                if linked.get(doc):
                    continue
                cited = [r for r in candidates if (doc, r.fields.get("number", "")) in cited_after.get(key, set())]
                linked[doc] = cited or candidates
            for doc, chunks in linked.items():
                for ref in chunks:
                    entity.references.append(ref)
                    title = ref.fields.get("title", "")
                    if title and title not in entity.titles:
                        entity.titles.append(title)
                    written = record_name(ref)
                    if written and self.find(written) is entity:
                        entity.add_name(written, 0)
                    entity.sources.append(self.corpus.source("reference", ref.doc, ref.id, ref.start, ref.end, written))
