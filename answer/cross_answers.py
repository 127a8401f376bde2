"""Answers drawn from the merged cross-survey view: every survey's value when they disagree on a
model's training data or size, and which surveys discuss a model."""
from __future__ import annotations

import re

from answer.citations import Claim
from answer.wording import short_title
from index.retrieval import Hit

_DATA_QUESTION = re.compile(r"\b(data|dataset|trained on|pre-?trained on|training[- ]set|samples|pairs|images)\b", re.I)
_PARAM_QUESTION = re.compile(r"\b(parameters?|model size|how (big|large) is the model)\b", re.I)
_WHICH_SURVEYS = re.compile(r"\bwhich (surveys|reviews|papers|documents)\b.*\b(discuss|cover|mention|include|describe)", re.I)


def cross_survey_claims(question: str, names: list[str], cross, chunks: dict,
                        docs=None) -> tuple[list[Claim], list[Hit]]:
    """Claims (and the passages they cite) for a question about one named model, or nothing;
    only the surveys in ``docs`` count, when given."""
    if cross is None or not names:
        return [], []
    report = cross.about(names[0], docs)
    if report is None:
        return [], []
    if _WHICH_SURVEYS.search(question):
        firsts = {}
        for source in report.sources:
            firsts.setdefault(source.doc, source)
        return _claims([(f"{report.name} is discussed in {short_title(s.doc_title, s.doc)}.", s.chunk_id, s.start, s.end)
                        for s in firsts.values()], chunks)
    attribute = "data" if _DATA_QUESTION.search(question) else "parameters" if _PARAM_QUESTION.search(question) else ""
    found = report.attributes.get(attribute) if attribute else None
    if found is None or found.agree or len(found.statements) < 2:
        return [], []
    intro = (f"The surveys disagree on {report.name}'s {'training data' if attribute == 'data' else 'size'}:", None, 0, 0)
    items = [intro] + [(f"{s.value} per {short_title(s.doc_title, s.doc)}.", s.chunk_id, s.start, s.end) for s in found.statements]
    return _claims(items, chunks)


def _claims(items, chunks: dict) -> tuple[list[Claim], list[Hit]]:
    claims, hits, pending = [], [], ""
    for text, chunk_id, start, end in items:
        if chunk_id is None or chunk_id not in chunks:
            pending = f"{pending} {text}".strip() if chunk_id is None else pending
            continue
        claims.append(Claim(f"{pending} {text}".strip() if pending else text, [(chunk_id, start, end)]))
        hits.append(Hit(chunks[chunk_id], 0.0))
        pending = ""
    return claims, hits
