"""What each survey states about an entity, attribute by attribute, each statement citing the
exact document span whose text contains the stated value.

Sources: table cells and paper-list fields (via the catalog), list headings (``… (2022)``),
paper links (``arxiv.org/abs/2303.00915`` → 2023), reference entries (year, venue) and
sentences of running text that give a count of training data or parameters for the model the
sentence is about (``trained on 8.5M image-text pairs``, ``7B parameters``)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from answer.catalog import CatalogEntry
from answer.cross_survey.entities import Corpus, Entity, Mention, Span
from answer.cross_survey.quantities import Quantity, parse_quantities, year_of
from answer.catalog import ATTRIBUTE_HEADERS
from ingest.records import Chunk

ATTRIBUTES = ("data", "parameters", "backbone", "modalities", "tasks", "date", "venue")
# The catalog's header → attribute table; a bare "Training data" column may hold counts too.
_HEADERS = {k: v for k, v in ATTRIBUTE_HEADERS.items() if k != "datasets"}
_HEADERS["data"] = re.compile(rf"{ATTRIBUTE_HEADERS['data'].pattern}|^training data$", re.I)
_DATA_CUE = re.compile(r"train|fine-?tun|dataset|\bdata\b|corpus|compris|consist|utili[sz]|leverag|curat|collect|"
                       r"learn\w* from|built on|derived|\busing\b|\buses\b|\bused\b|contain|scal", re.I)
_NOT_TRAINING = re.compile(r"evaluat|\btest|validat|benchmark|inference|held-?out|unseen|zero-shot", re.I)
# A sentence continuing about the previous sentence's subject ("MedSAM adapts SAM. It was trained on …").
_PRONOUN = re.compile(r"(?:It|Its|This model|The model|This approach|The approach)\b")
# Another cited work named in the sentence ("Med-PaLM M [37]", "TCGA [19]"): it can be the subject too.
_CITED_NAME = re.compile(r"(?<![\w-])[A-Z][\w\-]*(?:\s[A-Z][\w\-]*){0,2}(?=\s?\[\d+(?:\s*[,–-]\s*\d+)*\])")
_MIN_COUNT = 1000
_PREPRINT = re.compile(r"arxiv|preprint|biorxiv|medrxiv|ssrn|research square", re.I)
_CITATION = re.compile(r"\s*\[[\d,\s–-]+\]\s*")
_ROW_TIME = re.compile(r"(?<![\d.])((?:19|20)\d\d)\.(\d{2})(?![\d])")
_ROW_PARAM = re.compile(r"\s+(\d+(?:\.\d+)?\s?[KMBT])(?![\w])")


@dataclass(kw_only=True)
class Statement(Span):
    """One survey's value of one attribute of one entity, with its citation."""

    attribute: str
    value: str  # as written; always a substring of the document text at start:end
    normalised: float | int | str
    unit: str
    source: str  # table-row | list-item | list-heading | reference | text
    approximate: bool = False
    field: str = ""  # the table column / list label / reference part the value came from
    bound: str = ""  # "min" (over 1.1B), "max" (up to 1M) or "" for counts

    @property
    def passage(self) -> tuple[str, int, int]:
        return (self.doc, self.start, self.end)

    def to_dict(self) -> dict:
        return asdict(self)


class StatementBuilder:
    """Statements of one entity; every statement is checked to quote its value verbatim."""

    def __init__(self, corpus: Corpus, chunks: dict[str, Chunk]):
        self.corpus, self.chunks = corpus, chunks

    def make(self, attribute: str, value: str, normalised, doc: str, chunk_id: str, start: int, end: int,
             source: str, unit: str = "", approximate: bool = False, field: str = "", bound: str = "") -> Statement | None:
        raw = self.corpus.texts.get(doc, "")[start:end]
        value = value.strip()
        if not value:
            return None
        if value not in raw:  # a field value whose whitespace the chunker normalised
            found = re.search(r"\s+".join(map(re.escape, value.split())), raw)
            if not found:
                return None
            value = found.group()
        src = self.corpus.source(source, doc, chunk_id, start, end)
        span = {name: getattr(src, name) for name in Span.__dataclass_fields__}
        return Statement(**span, attribute=attribute, value=value, normalised=normalised, unit=unit, source=source,
                         approximate=approximate, field=field, bound=bound)

    # -- records ------------------------------------------------------------------------------
    def from_record(self, entry: CatalogEntry) -> list[Statement]:
        chunk = self.chunks.get(entry.chunk_id)
        if chunk is None:
            return []
        out: list[Statement] = []
        start, end = chunk.start, chunk.end
        fields = chunk.fields if "Row" not in entry.fields else {}
        for header, value in fields.items():
            for attribute, pattern in _HEADERS.items():
                if not pattern.search(header):
                    continue
                if attribute in ("data", "parameters"):
                    for q in parse_quantities(value):
                        out.append(self._quantity(attribute, q, chunk, start, end, chunk.kind, header))
                elif attribute == "date":
                    year = year_of(value)
                    if year:
                        out.append(self.make("date", value, year, chunk.doc, chunk.id, start, end, chunk.kind, field=header))
                else:
                    out.append(self.make(attribute, value, value, chunk.doc, chunk.id, start, end, chunk.kind, field=header))
                break
        study = fields.get("Study", "")
        if study and year_of(study):
            out.append(self.make("date", _CITATION.sub(" ", study).strip(), year_of(study), chunk.doc, chunk.id,
                                 start, end, chunk.kind, field="Study"))
        if "Row" in entry.fields:
            out.extend(self._columns_row(chunk, entry))
        if chunk.kind == "list-item":
            out.extend(self._list_dates(chunk))
        return [s for s in out if s is not None]

    def _quantity(self, attribute: str, q: Quantity, chunk: Chunk, start: int, end: int, source: str,
                  field: str = "") -> Statement | None:
        return self.make(attribute, q.text, q.value, chunk.doc, chunk.id, start, end, source, q.unit, q.approximate,
                         field, q.bound)

    def _columns_row(self, chunk: Chunk, entry: CatalogEntry) -> list[Statement | None]:
        """A table the chunker could not split into cells (``Columns: … Row: …``): read the
        release ``YYYY.MM``, the parameter count after it and the last count (data quantity)."""
        text = self.corpus.texts.get(chunk.doc, "")[chunk.start:chunk.end]
        header = entry.fields["Row"].split("Row:", 1)[0]
        out: list[Statement | None] = []
        time = _ROW_TIME.search(text)
        if not time or not re.search(r"\b(time|date|year)\b", header, re.I):
            return out
        out.append(self.make("date", time.group(), int(time.group(1)), chunk.doc, chunk.id, chunk.start, chunk.end,
                             chunk.kind, field="Time"))
        rest = text[time.end():]
        param = _ROW_PARAM.match(rest) if re.search(r"\bparam", header, re.I) else None
        if param:
            q = parse_quantities(param.group(1), with_units=False)
            if q:
                out.append(self._quantity("parameters", q[0], chunk, chunk.start, chunk.end, chunk.kind, "Param"))
            rest = rest[param.end():]
        if re.search(r"data (quantity|size|scale)", header, re.I):
            counts = parse_quantities(rest)
            if counts:
                out.append(self._quantity("data", counts[-1], chunk, chunk.start, chunk.end, chunk.kind, "Data quantity"))
        return out

    def _list_dates(self, chunk: Chunk) -> list[Statement | None]:
        """A paper list's year (its ``… (2022)`` heading) and its arXiv link's year."""
        out: list[Statement | None] = []
        text = self.corpus.texts.get(chunk.doc, "")
        heading = chunk.section[-1] if chunk.section else ""
        year = re.search(r"\(((?:19|20)\d\d)\)\s*$", heading)
        if year:
            at = text.rfind(heading, 0, chunk.start + len(heading) + 200)
            if at >= 0:
                line_end = text.find("\n", at)
                line_end = len(text) if line_end < 0 else line_end
                line_start = text.rfind("\n", 0, at) + 1
                out.append(self.make("date", f"({year.group(1)})", int(year.group(1)), chunk.doc, chunk.id,
                                     line_start, line_end, "list-heading", field="heading"))
        link = re.search(r"arxiv\.org/(?:abs|pdf)/\d{4}\.\d{4,5}", text[chunk.start:chunk.end], re.I)
        if link:
            out.append(self.make("date", link.group(), year_of(link.group()), chunk.doc, chunk.id, chunk.start,
                                 chunk.end, chunk.kind, field="arXiv link"))
        return out

    # -- references ---------------------------------------------------------------------------
    def from_reference(self, ref: Chunk) -> list[Statement]:
        out = []
        year, venue = ref.fields.get("year", ""), ref.fields.get("venue", "")
        if year and year_of(year):
            out.append(self.make("date", year, year_of(year), ref.doc, ref.id, ref.start, ref.end, "reference", field="year"))
        if venue:
            kind = "preprint" if _PREPRINT.search(venue) else "published"
            out.append(self.make("venue", venue, kind, ref.doc, ref.id, ref.start, ref.end, "reference", field="venue"))
        return [s for s in out if s is not None]

    # -- running text -------------------------------------------------------------------------
    def from_sentences(self, chunk: Chunk, mentions: list[Mention], about: str | None = None) -> list[tuple[str, Statement]]:
        """(entity key, statement) for every training-data or parameter count in ``chunk``, given
        to the entity the sentence is about. With ``about``, only counts given to that entity."""
        text = self.corpus.texts.get(chunk.doc, "")
        out, previous = [], ""
        for s_start, s_end in self.corpus.sentences(chunk.doc, chunk.start, chunk.end):
            sentence = text[s_start:s_end]
            inside = [m for m in mentions if s_start <= m.start < s_end]
            inside += [Mention("", s_start + c.start(), s_start + c.end(), c.group()) for c in _CITED_NAME.finditer(sentence)
                       if not any(m.start <= s_start + c.start() < m.end or s_start + c.start() <= m.start < s_start + c.end()
                                  for m in inside)]
            inside.sort(key=lambda m: m.start)
            opening = next((m.key for m in inside if m.start - s_start <= 2), "")
            subject_before, previous = previous, opening or (inside[0].key if len(inside) == 1 else "")
            if not inside and subject_before and _PRONOUN.match(sentence):
                inside = [Mention(subject_before, s_start, s_start, "")]  # "MedSAM adapts SAM. It was trained on …"
            if about is not None and not any(m.key for m in inside):
                inside = [Mention(about, s_start, s_start, "")]  # an entry's own digest is about it
            if not inside or not re.search(r"\d", sentence):
                continue
            for q in parse_quantities(sentence, minimum=0):
                attribute = "parameters" if q.unit == "parameter" else "data"
                if not self._is_training_count(sentence, q, attribute):
                    continue
                key = subject_of(inside, s_start, s_start + q.start, sentence, s_start)
                if not key or about is not None and key != about:
                    continue
                statement = self.make(attribute, q.text, q.value, chunk.doc, chunk.id, s_start, s_end, "text",
                                      "" if attribute == "parameters" else q.unit, q.approximate, "sentence", q.bound)
                if statement is not None:
                    out.append((key, statement))
        return out

    @staticmethod
    def _is_training_count(sentence: str, q: Quantity, attribute: str) -> bool:
        if attribute == "parameters":
            return True
        if not q.unit or q.value < _MIN_COUNT or not _DATA_CUE.search(sentence):
            return False
        clause_start = max(sentence.rfind(p, 0, q.start) for p in ",;:()")
        return not _NOT_TRAINING.search(sentence[clause_start + 1: q.end])


_COMPONENT_AFTER = re.compile(r"^(?:'s|’s)?\s*(?:\[[\d,\s–-]+\]\s*)?(?:[\w-]+\s+)?(?:visual\s+|vision\s+|image\s+|text\s+)?"
                             r"(?:encoder|decoder|backbone|architecture|weights|features|embeddings?|branch|module|"
                             r"adapter|head|tokenizer|variant|dataset|data|corpus|benchmark)s?\b", re.I)
_CONTRAST_BEFORE = re.compile(r"(?:such as|like|including|than|versus|vs\.?|outperform\w*|surpass\w*|compared (?:to|with)|"
                              r"over|unlike|beyond|e\.g\.,?|i\.e\.,?|fine-?tun\w*|adapt\w*|extend\w*|based on|"
                              r"built (?:up)?on|builds (?:up)?on|integrat\w*|combin\w*|replac\w*|distill\w*)"
                              r"\s*(?:the\s+|original\s+|pretrained\s+)*(?:[\w-]+,\s*)*$", re.I)
# Between a name and a count: the count is about something else ("whereas the other methods use 400K").
_TURN = re.compile(r"\b(?:whereas|while|in contrast|unlike|other (?:methods|models|approaches|works|studies))\b", re.I)


def _incidental(text: str, offset: int, mention: Mention) -> bool:
    """A name used as a part (``MedCLIP visual encoder``) or a point of comparison
    (``such as MedSAM``, ``outperforms SAM``) is not what the sentence is about."""
    after = text[mention.end - offset: mention.end - offset + 60]
    before = text[max(0, mention.start - offset - 60): mention.start - offset]
    return bool(_COMPONENT_AFTER.match(after) or _CONTRAST_BEFORE.search(before))


def subject_of(mentions: list[Mention], sentence_start: int, position: int, text: str = "", offset: int = 0) -> str:
    """The entity key a count at ``position`` is about: the sentence's opening name if it starts
    with one, else the nearest name before the count, else the nearest after it; never a name used
    as a part or a comparison point. '' when that is another cited work (a mention with key '')
    or nothing qualifies. ``text`` is the sentence and starts at document ``offset``."""
    def turned(m: Mention) -> bool:
        return bool(text) and m.end <= position and bool(_TURN.search(text[m.end - offset: position - offset]))

    opening = [m for m in mentions if m.start - sentence_start <= 2 and m.start <= position]
    if opening:
        return "" if turned(opening[0]) else opening[0].key
    main = [m for m in mentions if not m.key or not (text and _incidental(text, offset, m))]
    if not main:
        return ""
    before = [m for m in main if m.end <= position]
    if before:
        nearest = max(before, key=lambda m: m.end)
        return "" if turned(nearest) else nearest.key
    return min(main, key=lambda m: abs(m.start - position)).key


def entity_statements(entity: Entity, builder: StatementBuilder, mentions: dict[str, list[Mention]],
                      sentence_counts: dict[str, list[Statement]]) -> list[Statement]:
    """All statements about ``entity``, without duplicates (overlapping chunks repeat sentences)."""
    statements: list[Statement] = []
    for entry in entity.records:
        statements.extend(builder.from_record(entry))
        chunk = builder.chunks.get(entry.chunk_id)
        if chunk is not None and chunk.kind == "list-item":
            statements.extend(s for _, s in builder.from_sentences(chunk, mentions.get(chunk.id, []), about=entity.key))
    for ref in entity.references:
        statements.extend(builder.from_reference(ref))
    statements.extend(sentence_counts.get(entity.key, []))
    seen, unique = set(), []
    for s in statements:
        key = (s.attribute, s.doc, s.start, s.end, s.value)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return unique
