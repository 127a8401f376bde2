"""Cross-survey knowledge: everything every survey says about a model, merged into one entity,
attribute by attribute, with the disagreements flagged and every value cited.

    cross = build_cross_survey(store, catalog)
    cross.about("CheXagent")      # EntityReport: docs, sources, statements per attribute, agree
    cross.which_surveys("MedSAM") # ['fm-medical-image-analysis-meta-analysis.txt']
    cross.conflicts()             # [Conflict(entity='CheXagent', attribute='data', …), …]

Name matching is strict (see :mod:`core.names`), number agreement is two
significant figures within a unit, values that differ only within rounding or an approximate
``~`` are kept apart from real disagreements (see :mod:`answer.cross_survey.quantities`), and the
per-attribute rules are in :mod:`answer.cross_survey.compare`."""
from __future__ import annotations

from dataclasses import dataclass, field

from answer.catalog import Catalog
from answer.cross_survey.compare import COUNTS, DESCRIPTIVE, disagreements, rounding_pairs
from answer.cross_survey.entities import Corpus, Entity, Resolver, Source
from core.names import name_key, same_name
from answer.cross_survey.quantities import Quantity, parse_quantities, round_sig, values_agree, year_of
from answer.cross_survey.statements import ATTRIBUTES, Statement, StatementBuilder, entity_statements
from index.store import StoredIndex

__all__ = ["AttributeReport", "Conflict", "CrossSurvey", "EntityReport", "Quantity", "Source", "Statement",
           "build_cross_survey", "name_key", "parse_quantities", "round_sig", "same_name", "values_agree", "year_of"]


@dataclass
class AttributeReport:
    """Every survey's statement of one attribute, and whether they agree."""

    attribute: str
    statements: list[Statement]
    agree: bool
    pairs: list[tuple[int, int]] = field(default_factory=list)  # indices of disagreeing statements
    kind: str = "count"  # count | date | venue | descriptive
    rounding: list[tuple[int, int]] = field(default_factory=list)  # pairs that agree only within rounding / "~"

    def to_dict(self) -> dict:
        return {"attribute": self.attribute, "kind": self.kind, "agree": self.agree,
                "statements": [s.to_dict() for s in self.statements], "disagreeing_pairs": [list(p) for p in self.pairs],
                "rounding_pairs": [list(p) for p in self.rounding]}


@dataclass
class Conflict:
    """Statements about one attribute of one entity that do not agree, with their citations."""

    entity: str
    attribute: str
    statements: list[Statement]
    pairs: list[tuple[int, int]]
    within_survey: bool
    across_surveys: bool
    note: str = ""
    direct: bool = True  # False when only a bare count (no unit) disagrees with counts of a named unit

    @property
    def docs(self) -> list[str]:
        return sorted({s.doc for s in self.statements})

    def to_dict(self) -> dict:
        return {"entity": self.entity, "attribute": self.attribute, "docs": self.docs, "within_survey": self.within_survey,
                "across_surveys": self.across_surveys, "direct": self.direct, "note": self.note,
                "statements": [s.to_dict() for s in self.statements], "disagreeing_pairs": [list(p) for p in self.pairs]}


@dataclass
class EntityReport:
    """What the surveys say about one entity."""

    name: str
    aliases: list[str]
    titles: list[str]
    docs: list[str]
    sources: list[Source]
    attributes: dict[str, AttributeReport]
    homonyms: bool = False

    @property
    def agree(self) -> bool:
        return all(a.agree for a in self.attributes.values() if a.kind != "descriptive")

    def conflicts(self, include_descriptive: bool = False) -> list[Conflict]:
        out = []
        for report in self.attributes.values():
            if report.agree or (report.kind == "descriptive" and not include_descriptive):
                continue
            involved = sorted({i for pair in report.pairs for i in pair})
            remap = {old: new for new, old in enumerate(involved)}
            statements = [report.statements[i] for i in involved]
            pairs = [(remap[i], remap[j]) for i, j in report.pairs]
            within = any(statements[i].doc == statements[j].doc for i, j in pairs)
            across = any(statements[i].doc != statements[j].doc for i, j in pairs)
            direct = report.kind != "count" or any(statements[i].unit == statements[j].unit for i, j in pairs)
            notes = [_note(report.attribute, statements)]
            if self.homonyms:
                notes.append("two rows of one table carry this name (possibly different models)")
            out.append(Conflict(self.name, report.attribute, statements, pairs, within, across,
                                "; ".join(n for n in notes if n), direct))
        return out

    def to_dict(self) -> dict:
        return {"name": self.name, "aliases": self.aliases, "titles": self.titles, "docs": self.docs,
                "agree": self.agree, "homonyms": self.homonyms, "sources": [s.to_dict() for s in self.sources],
                "attributes": {k: v.to_dict() for k, v in self.attributes.items()},
                "conflicts": [c.to_dict() for c in self.conflicts()]}


def _note(attribute: str, statements: list[Statement]) -> str:
    if attribute == "date" and any(s.field == "arXiv link" or "arxiv" in s.quote.lower() for s in statements):
        return "preprint (arXiv) year vs publication year"
    units = sorted({s.unit for s in statements if s.unit})
    if attribute in COUNTS and units and any(not s.unit for s in statements):
        return "a count without a unit vs counts of " + ", ".join(units)
    if attribute in COUNTS and len(units) > 1:
        return "different counted units: " + ", ".join(units)
    return ""


def _kind(attribute: str) -> str:
    return "count" if attribute in COUNTS else "descriptive" if attribute in DESCRIPTIVE else attribute


class CrossSurvey:
    """The merged entities of one index."""

    def __init__(self, entities: dict[str, Entity], statements: dict[str, list[Statement]], resolver: Resolver):
        self.entities = entities
        self._statements = statements
        self._resolver = resolver
        self._reports: dict[str, EntityReport] = {}

    def entity(self, name: str) -> Entity | None:
        """The entity ``name`` names (strict matching: case, separators, plural, version spacing)."""
        return self._resolver.find(name)

    def names(self) -> list[str]:
        return sorted(e.name for e in self.entities.values())

    def which_surveys(self, name: str) -> list[str]:
        """The documents that discuss ``name`` (a record, a reference entry or a mention)."""
        entity = self.entity(name)
        return entity.docs if entity else []

    def about(self, name: str, docs=None) -> EntityReport | None:
        """Everything the surveys say about ``name`` (only the surveys in ``docs``, when given);
        None for a name those surveys do not record."""
        entity = self.entity(name)
        if entity is None:
            return None
        if not docs:
            return self._report(entity)
        allowed = set(docs)
        if not allowed & set(entity.docs):
            return None
        return self._build_report(entity, allowed.__contains__)

    def _report(self, entity: Entity) -> EntityReport:
        if entity.key not in self._reports:
            self._reports[entity.key] = self._build_report(entity, lambda doc: True)
        return self._reports[entity.key]

    def _build_report(self, entity: Entity, keep) -> EntityReport:
        """The report over the statements and sources of the documents ``keep`` accepts."""
        by_attribute: dict[str, list[Statement]] = {a: [] for a in ATTRIBUTES}
        for statement in self._statements.get(entity.key, []):
            if keep(statement.doc):
                by_attribute[statement.attribute].append(statement)
        attributes = {}
        for attribute, statements in by_attribute.items():
            if statements:
                pairs = disagreements(attribute, statements)
                rounding = rounding_pairs(attribute, statements, pairs)
                excused = set(rounding)
                real = [p for p in pairs if p not in excused]
                attributes[attribute] = AttributeReport(attribute, statements, not real, real, _kind(attribute), rounding)
        return EntityReport(entity.name, entity.aliases, list(entity.titles), [d for d in entity.docs if keep(d)],
                            [s for s in entity.sources if keep(s.doc)], attributes, entity.homonyms)

    def conflicts(self, include_descriptive: bool = False) -> list[Conflict]:
        """Every disagreement (counts, dates and venues; descriptive attributes too with
        ``include_descriptive``): across surveys first, then direct ones (same unit), then by
        attribute and name."""
        out = []
        for entity in self.entities.values():
            out.extend(self._report(entity).conflicts(include_descriptive))
        order = {a: i for i, a in enumerate(ATTRIBUTES)}
        return sorted(out, key=lambda c: (not c.across_surveys, not c.direct, order.get(c.attribute, 99), c.entity.lower()))

    def to_dict(self) -> dict:
        return {"entities": len(self.entities), "conflicts": [c.to_dict() for c in self.conflicts()]}


def build_cross_survey(store: StoredIndex, catalog: Catalog) -> CrossSurvey:
    """Resolve the entities of ``store`` and collect what each survey states about them."""
    corpus = Corpus(store)
    resolver = Resolver(store, catalog, corpus)
    entities = resolver.build()
    builder = StatementBuilder(corpus, resolver.chunks)
    sentence_counts: dict[str, list[Statement]] = {}
    for chunk in store.chunks:
        if chunk.kind == "text":
            for key, statement in builder.from_sentences(chunk, resolver.mentions.get(chunk.id, [])):
                sentence_counts.setdefault(key, []).append(statement)
    statements = {key: entity_statements(entity, builder, resolver.mentions, sentence_counts)
                  for key, entity in entities.items()}
    return CrossSurvey(entities, statements, resolver)
