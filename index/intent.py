"""What kind of answer a question asks for, from its wording (interrogatives and cue words)."""
from __future__ import annotations

import re
from dataclasses import dataclass

# "What Dice coefficient does MedSAM reach ...?": the words naming the measure asked for.
_MEASURE = re.compile(r"\bwhat ((?:[\w-]+ ){0,3}[\w-]+) (?:does|did|do) (?:[\w'-]+ ){1,6}(?:achieve|reach|obtain|attain|score)\b",
                      re.I)
_NUMERIC = re.compile(r"\b(how (many|much|large|big|long|small|fast)|what (percentage|proportion|fraction|number|size|ratio)|"
                      r"number of|size of|by how much|how .* (cut|reduce|improve)|"
                      r"sizes?|figures|amount|counts?|statistics|percentages?)\b|" + _MEASURE.pattern, re.I)
_BIBLIO = re.compile(r"\b(who (wrote|authored|are the authors)|authors?|authored|published|venue|journal|conference|"
                     r"proceedings|cite|cited(?!\s+(?:in|by)\b)|cites|citation|reference[sd]?|publication)\b", re.I)
_ATTRIBUTE = re.compile(r"\b(backbone|encoder|architecture|dataset|data ?set|training data|data (size|scale|volume|quantity)|"
                        r"scale|parameters?|param|date|year|modalit(y|ies)|table|column)\b", re.I)
_DEFINITION = re.compile(r"(^\s*|,\s*)(what (is|are) (a |an |the )?\S+|define|describe)\b|\b(what does .* mean|how does .* (describe|define))\b|"
                         r"\bwhat (distinguishes|characteri[sz]es|defines)\b", re.I)
_STRUCTURE = re.compile(r"\b(subsections?|headings?|chapters?)\b|\b(which|what|how many) (main |major |other )?sections\b", re.I)
# A question opening with an auxiliary verb asks for a yes or a no, unless it offers a choice ("A or B?").
_YES_NO = re.compile(r"^\s*(is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|shall|may|might|must)\b"
                     r"(?!.*\bor\b)", re.I)
_LIST = re.compile(r"^\s*(which|what are|list|name)\b|\b(which (ones|models|datasets))\b", re.I)


@dataclass(frozen=True)
class Intent:
    numeric: bool = False
    bibliographic: bool = False
    attribute: bool = False
    listing: bool = False
    definition: bool = False
    structure: bool = False
    yes_no: bool = False


def detect_intent(question: str) -> Intent:
    """Flags for the answer types the question asks for (several may hold)."""
    return Intent(
        numeric=bool(_NUMERIC.search(question)),
        bibliographic=bool(_BIBLIO.search(question)),
        attribute=bool(_ATTRIBUTE.search(question)),
        listing=bool(_LIST.search(question)),
        definition=bool(_DEFINITION.search(question)),
        structure=bool(_STRUCTURE.search(question)),
        yes_no=bool(_YES_NO.search(question)),
    )


def measure_words(question: str) -> str:
    """The words naming the measure a "what M does X achieve / reach / obtain / score" question asks
    for ("Dice similarity coefficient"), or ''."""
    match = _MEASURE.search(question)
    return match.group(1) if match else ""
