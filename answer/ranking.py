"""How the answerer ranks candidate units: the unit's coverage of the question's weighted terms,
plus one small named signal per bonus, times one named signal per discount, plus the embedding
similarity. Each signal's weight is the setting of the same name (its description is there);
:meth:`Ranker.explain` says what each contributed. Ranking never decides abstention: support is
the coverage alone (:func:`coverage`)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.settings import Settings
from index.query import Query
from index.text import acronym_definitions, tokenize
from index.units import Unit

_DIGIT = re.compile(r"\d")
_DEFINING = re.compile(r"\b(is|are|refers? to|denotes?|defined as|consists? of|comprises?)\b|\):\s|:\s+they\b", re.I)
# Roadmap sentences and captions ("Section 5 discusses ...", "Figure 4: ...") say where content is, rarely what it is.
_SIGNPOST = re.compile(r"^(figure|fig\.|table)\s*\d+\s*[:.]|\b((this|the following|next|present) (section|subsection|chapter)|"
                       r"sections? \d+(\.\d+)*)\b[^.;:]{0,40}?\b(covers?|discuss(es)?|explores?|presents?|reviews?|describes?|"
                       r"summari[sz]es?|introduces?|provides?|outlines?|focus(es)? on|examines?)\b", re.I)
_LONG_LIST = 8  # a sentence with this many ", " is a list of names
# An enumeration after a cue ("such as A, B, and C", ": A, B and C"): what a "which/what are" question wants.
ENUMERATION = re.compile(r"(:|\bsuch as|\bincluding|\bincludes?|\bnamely)\s+[^.;]*?,[^.;]*?,[^.;]*?\b(and|or)\b", re.I)


def introduced(text: str) -> set[str]:
    """Terms the text defines by spelling them out: ``vision foundation models (VE-VFMs)``."""
    return {t for _, acronym in acronym_definitions(text) for t in tokenize(acronym)}


def _prose(unit: Unit) -> bool:
    return unit.hit.chunk.kind == "text"


def _opens_with_focus(query: Query, unit: Unit) -> bool:
    return bool(query.focus) and query.focus in set(tokenize(unit.text[: max(40, len(unit.text) // 4)]))


# Bonuses, added to the coverage: (setting, value of the signal for a unit).
BONUSES: tuple[tuple[str, Callable[[Query, Unit], float]], ...] = (
    ("rank_bonus", lambda q, u: 1.0 / u.hit.rank),
    ("named_bonus", lambda q, u: float(u.hit.named)),
    ("number_bonus", lambda q, u: float(q.intent.numeric and bool(_DIGIT.search(u.text)))),
    ("reference_bonus", lambda q, u: float(q.intent.bibliographic and (u.hit.chunk.kind == "reference" or u.field == "record"))),
    ("focus_bonus", lambda q, u: float(not q.intent.definition and _opens_with_focus(q, u))),
    ("definition_focus_bonus", lambda q, u: float(q.intent.definition and _opens_with_focus(q, u))),
    ("survey_bonus", lambda q, u: u.hit.prior),
    ("row_bonus", lambda q, u: float(q.intent.attribute and u.hit.chunk.kind == "table-row")),
    ("enumeration_bonus", lambda q, u: float(q.intent.listing and bool(ENUMERATION.search(u.body)))),
    ("defining_bonus", lambda q, u: float(q.intent.definition and bool(_DEFINING.search(u.body)))),
    ("introduction_bonus", lambda q, u: float(q.intent.definition and any(q.weights.get(t, 0) > 0 for t in introduced(u.text)))),
)
# Discounts, multiplying the score when they hold: units that match the question's words without
# answering it. The third argument says whether some candidate is from a survey the question names.
DISCOUNTS: tuple[tuple[str, Callable[[Query, Unit, bool], bool]], ...] = (
    ("signpost_factor", lambda q, u, s: _prose(u) and not q.intent.structure and bool(_SIGNPOST.search(u.text))),
    ("long_list_factor", lambda q, u, s: _prose(u) and not q.intent.listing and u.body.count(", ") >= _LONG_LIST),
    ("other_survey_factor", lambda q, u, s: s and u.hit.prior == 0),
)


def _derived(query: Query, unit: Unit) -> bool:
    """A derived prose record (a section outline): it answers questions about structure."""
    return not unit.verbatim and _prose(unit) and not query.intent.structure


@dataclass(frozen=True)
class Ranker:
    """The ranking score of a unit: ``(coverage · derived factor + Σ bonuses) · Π discounts + meaning · similarity``."""

    weights: dict[str, float]

    @classmethod
    def from_settings(cls, settings: Settings) -> Ranker:
        names = [name for name, _ in BONUSES + DISCOUNTS] + ["derived_factor", "meaning_weight"]
        return cls({name: getattr(settings, name) for name in names})

    def parts(self, query: Query, unit: Unit, similarity: float, names_survey: bool = False) -> dict[str, float]:
        """What each signal adds to (or, for a discount, multiplies) the unit's score, for those that
        apply; ``names_survey``: some candidate is from a survey the question names."""
        out = {"coverage": query.coverage(unit.terms)}
        if _derived(query, unit):
            out["derived_factor"] = self.weights["derived_factor"]
        out.update({name: self.weights[name] * v for name, signal in BONUSES if (v := signal(query, unit))})
        out.update({name: self.weights[name] for name, holds in DISCOUNTS if holds(query, unit, names_survey)})
        out["meaning_weight"] = self.weights["meaning_weight"] * similarity
        return out

    def score(self, query: Query, unit: Unit, similarity: float, names_survey: bool = False) -> float:
        parts = self.parts(query, unit, similarity, names_survey)
        score = parts["coverage"] * parts.get("derived_factor", 1.0) + sum(parts.get(name, 0.0) for name, _ in BONUSES)
        for name, _ in DISCOUNTS:
            score *= parts.get(name, 1.0)
        return score + parts["meaning_weight"]

    def explain(self, query: Query, unit: Unit, similarity: float, names_survey: bool = False) -> str:
        """``coverage 0.620 × derived_factor 0.500 + rank_bonus 0.150 … = 0.930``: why the unit scored what it did."""
        parts = self.parts(query, unit, similarity, names_survey)
        factors = {"derived_factor", *(name for name, _ in DISCOUNTS)}
        terms = [f"{'×' if name in factors else '+'} {name} {value:.3f}" for name, value in parts.items() if name != "coverage"]
        return f"coverage {parts['coverage']:.3f} " + " ".join(terms) + f" = {self.score(query, unit, similarity, names_survey):.3f}"
