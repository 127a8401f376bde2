"""Do the surveys agree? One rule per kind of attribute.

* counts (``data``, ``parameters``): statements are compared only across passages (a table
  cell giving ``223K images 222K image-text pairs`` does not disagree with itself). Two counts
  of the same unit must round to the same two significant figures. A bare count (``~1.6M``)
  must agree with every other bare count, and with at least one count of every other passage
  (a passage giving ``11M images`` and ``1.1B masks`` is consistent with a bare ``1.1B``).
  Pairs that fail this but could be one number written to different precision (``8.4M`` vs
  ``8.5M``, ``~8.47M`` vs ``8.4M``) are :func:`rounding_pairs`, told apart from real disagreements.
* ``date``: years must be equal across passages (``2023/2024`` matches either year).
* ``venue``: published venues must name the same venue (abbreviations and wording allowed);
  a preprint server never disagrees with a published venue (papers are published later).
* descriptive attributes (``backbone``, ``modalities``, ``tasks``): agree when the item lists
  overlap after mapping common abbreviations. Surveys describe models in their own vocabulary
  and for their own focus, so these are shown per entity but not listed as conflicts unless asked.
"""
from __future__ import annotations

import re
from itertools import combinations

from rapidfuzz import fuzz

from answer.cross_survey.quantities import counts_agree, within_rounding, written_digits
from answer.cross_survey.statements import Statement

COUNTS = ("data", "parameters")
DESCRIPTIVE = ("backbone", "modalities", "tasks")
_SYNONYMS = {
    "x-ray": {"xray", "xrays", "cxr", "chestxray", "chestxrays", "radiograph", "radiographs", "chestradiograph",
              "chestradiographs", "radiography"},
    "mri": {"mr", "mri", "mris", "magneticresonance"}, "ct": {"ct", "cts", "ctscan", "ctscans", "chestct"},
    "ultrasound": {"us", "ultrasound"}, "pathology": {"pathology", "histopathology", "wsi", "wsis", "colonpathology"},
    "report generation": {"mrg", "reportgeneration", "medicalreportgeneration"},
    "segmentation": {"seg", "mis", "segmentation"}, "classification": {"mic", "cls", "classification"},
    "vqa": {"vqa", "visualquestionanswering"}, "retrieval": {"retrieval", "mttr", "imagetextretrieval"},
}
_CANON = {variant: canon for canon, variants in _SYNONYMS.items() for variant in variants}
_VENUE_NOISE = re.compile(r"\b(in|proceedings|of|the|on|and|conference|international|ieee|cvf|acm|annual|"
                          r"presented|at|vol|no|pp)\b|[^a-z ]", re.I)


def _items(value: str) -> set[str]:
    parts = re.split(r"[,;/+]|\band\b", value)
    keys = {re.sub(r"[^0-9a-z]", "", p.lower()) for p in parts}
    return {_CANON.get(k, k) for k in keys if k}


def _venue_words(venue: str) -> list[str]:
    return [w for w in _VENUE_NOISE.sub(" ", venue.lower()).split() if len(w) > 2]


def _abbreviates(short: list[str], long: list[str]) -> bool:
    """Most words of ``short`` (at least two, 75%) are prefixes of words of ``long``, in order."""
    matched, position = 0, 0
    for word in short:
        hit = next((i for i in range(position, len(long)) if long[i].startswith(word)), None)
        if hit is not None:
            matched, position = matched + 1, hit + 1
    return matched >= max(2, -(-3 * len(short) // 4))


def same_venue(a: str, b: str) -> bool:
    """``Adv. Neural Inf. Process. Syst`` = ``Advances in Neural Information Processing Systems``;
    ``In Proceedings of the … ICCV`` = ``… ICCV``; ``Nature Medicine`` ≠ ``Nature Communications``."""
    wa, wb = _venue_words(a), _venue_words(b)
    if not wa or not wb:
        return True
    if fuzz.token_set_ratio(" ".join(wa), " ".join(wb)) >= 85:
        return True
    return _abbreviates(wa, wb) or _abbreviates(wb, wa)


def _years(s: Statement) -> set:
    """A date's years: ``2023/2024`` is either."""
    if s.field == "arXiv link":
        return {s.normalised}
    return {int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", s.value)} or {s.normalised}


def _agree(s: Statement, t: Statement) -> bool:
    return counts_agree(s.normalised, t.normalised, s.bound, t.bound)


def _close(s: Statement, t: Statement) -> bool:
    return not (s.bound or t.bound) and within_rounding(s.normalised, t.normalised, written_digits(s.value),
                                                        written_digits(t.value), s.approximate, t.approximate)


def rounding_pairs(attribute: str, statements: list[Statement], pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The disagreeing count ``pairs`` that agree within rounding or an approximation: the two
    values are close, or one is a bare count close to a count of the other's passage."""
    if attribute not in COUNTS:
        return []

    def close(i: int, j: int) -> bool:
        s, t = statements[i], statements[j]
        if _close(s, t):
            return True
        bare, other = (s, t) if not s.unit else (t, s) if not t.unit else (None, None)
        return bare is not None and any(u.unit and u.passage == other.passage and _close(bare, u) for u in statements)

    return [pair for pair in pairs if close(*pair)]


def disagreements(attribute: str, statements: list[Statement]) -> list[tuple[int, int]]:
    """Index pairs of statements that disagree (see the module docstring)."""
    pairs: set[tuple[int, int]] = set()
    indexed = list(enumerate(statements))
    if attribute in COUNTS:
        passages: dict[tuple, list[tuple[int, Statement]]] = {}
        for i, s in indexed:
            passages.setdefault(s.passage, []).append((i, s))
        for (pa, group_a), (pb, group_b) in combinations(passages.items(), 2):
            for first, second in ((group_a, group_b), (group_b, group_a)):
                for i, s in first:
                    united = [(j, t) for j, t in second if t.unit]
                    for j, t in second:
                        if (s.unit and t.unit and s.unit == t.unit or not s.unit and not t.unit) and not _agree(s, t):
                            pairs.add(tuple(sorted((i, j))))
                    if not s.unit and united and not any(_agree(s, t) for _, t in united):
                        pairs.update(tuple(sorted((i, j))) for j, _ in united)
        return sorted(pairs)
    for (i, s), (j, t) in combinations(indexed, 2):
        if s.passage == t.passage:
            continue
        if attribute == "date" and not (_years(s) & _years(t)):
            pairs.add((i, j))
        elif attribute == "venue" and s.normalised == t.normalised == "published" and not same_venue(s.value, t.value):
            pairs.add((i, j))
        elif attribute in DESCRIPTIVE and s.doc != t.doc and not (_items(s.value) & _items(t.value)):
            pairs.add((i, j))
    return sorted(pairs)

