"""Answers to "compare A and B": the catalog's side-by-side view as one short sentence per model,
giving the attributes on which the models differ, each cited to its table row or list entry."""
from __future__ import annotations

import re

from answer.catalog import Catalog, best_entry
from answer.citations import Claim
from index.hits import Hit
from index.text import tokenize

_COMPARE = re.compile(r"\b(compare[sd]?|comparison|comparing|differ|differs|difference|differences|versus|vs\.?)\b", re.I)
ATTRIBUTES = ("backbone", "modalities", "tasks", "data", "datasets", "parameters", "date")
_PER_MODEL = 240  # characters of one model's sentence


def compared_attributes(question: str, names: list[str]) -> tuple[str, ...] | None:
    """The catalog attributes a comparison question asks about (all when it names none), or None
    when it is no comparison of the models as such: no comparison word, or words beyond the names
    and attributes ("differ in the way they reduce interference")."""
    if not _COMPARE.search(question):
        return None
    rest = set(tokenize(_COMPARE.sub(" ", question))) - {t for n in names for t in tokenize(n)}
    asked = tuple(a for a in ATTRIBUTES if set(tokenize(a)) & rest)
    rest -= {t for a in ATTRIBUTES for t in tokenize(a)}
    return None if rest else asked or ATTRIBUTES


def comparison_claims(question: str, names: list[str], catalog: Catalog | None, chunks: dict,
                      docs=None) -> tuple[list[Claim], list[Hit]]:
    """One claim per named model (the surveys in ``docs`` only, when given) with the attributes
    that differ between them, and the passages cited; nothing unless the question compares two
    or more models and the catalog has at least one of them."""
    attributes = compared_attributes(question, names)
    if catalog is None or len(names) < 2 or attributes is None:
        return [], []
    names = sorted(names, key=lambda n: question.lower().find(n.lower()) % (len(question) + 1))  # as the question orders them
    entries = {n: best_entry([e for e in catalog.records(n) if not docs or e.doc in docs]) for n in names}
    found = list({e.chunk_id: e for e in entries.values() if e is not None and e.chunk_id in chunks}.values())
    if not found or (len(found) < 2 and all(e is not None for e in entries.values())):
        return [], []  # none recorded, or the names are one model's
    differing = [a for a in attributes if len({getattr(e, a) for e in found}) > 1 or len(found) == 1]
    claims, hits = [], []
    for entry in found:
        parts = [f"{a}: {' '.join(getattr(entry, a).split())}" for a in differing if getattr(entry, a)]
        text = f"{entry.name}: " + ("; ".join(parts) or "no attributes recorded")
        text = text if len(text) <= _PER_MODEL else text[:_PER_MODEL].rsplit(" ", 1)[0] + " …"
        chunk = chunks[entry.chunk_id]
        claims.append(Claim(text + ".", [(chunk.id, chunk.start, chunk.end)]))
        hits.append(Hit(chunk, 0.0))
    missing = [n for n, e in entries.items() if e is None]
    if missing:
        claims[-1] = Claim(f"{claims[-1].text} The surveys' tables and lists do not record {', '.join(missing)}.",
                           claims[-1].sources)
    return claims, hits
