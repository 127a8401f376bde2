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


def _rounding_key(s: Statement) -> tuple:
    """What :func:`_near` reads of a count: bound, value, significant figures written, approximate."""
    return s.bound, s.normalised, written_digits(s.value), s.approximate


def _near(a: tuple, b: tuple) -> bool:
    """Two unbounded counts (as :func:`_rounding_key`) that can be one number written to different precision."""
    return not (a[0] or b[0]) and within_rounding(a[1], b[1], a[2], b[2], a[3], b[3])


def _memo(function):
    """``function`` of two hashable keys, evaluated once per distinct pair of keys."""
    seen: dict = {}

    def call(a, b):
        if (a, b) not in seen:
            seen[a, b] = function(a, b)
        return seen[a, b]

    return call


def rounding_pairs(attribute: str, statements: list[Statement], pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The disagreeing count ``pairs`` that agree within rounding or an approximation: the two
    values are close, or one is a bare count close to a count of the other's passage."""
    if attribute not in COUNTS or not pairs:
        return []
    keys = [_rounding_key(s) for s in statements]
    united: dict[tuple, set[tuple]] = {}  # passage -> rounding keys of its counts with a unit
    for s, key in zip(statements, keys):
        if s.unit:
            united.setdefault(s.passage, set()).add(key)
    near = _memo(_near)
    near_passage = _memo(lambda key, passage: any(near(key, other) for other in united.get(passage, ())))

    def close(i: int, j: int) -> bool:
        if near(keys[i], keys[j]):
            return True
        s, t = statements[i], statements[j]
        bare, other = (i, t) if not s.unit else (j, s) if not t.unit else (None, None)
        return bare is not None and near_passage(keys[bare], other.passage)

    return [pair for pair in pairs if close(*pair)]


def _apart(s: Statement, t: Statement) -> bool:
    return s.passage != t.passage


def _class_pairs(statements: list[Statement], key, differ, apart) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of statements that lie ``apart`` and whose keys ``differ``
    (symmetric; statements with a None key take no part). ``differ`` runs once per pair of distinct
    keys, so a value repeated in many passages costs one comparison, not one per passage pair."""
    classes: dict = {}
    for i, s in enumerate(statements):
        k = key(s)
        if k is not None:
            classes.setdefault(k, []).append(i)
    keys = list(classes)
    pairs: set[tuple[int, int]] = set()
    for a, ka in enumerate(keys):
        for kb in keys[a:]:
            if differ(ka, kb):
                pairs.update((min(i, j), max(i, j)) for i in classes[ka] for j in classes[kb]
                             if i != j and apart(statements[i], statements[j]))
    return pairs


def _count_pairs(statements: list[Statement]) -> set[tuple[int, int]]:
    """Disagreeing counts: two counts of one unit (or both bare) in different passages that do not
    agree, and a bare count paired with every count of another passage when it agrees with none."""
    def differ(a: tuple, b: tuple) -> bool:
        return a[0] == b[0] and not counts_agree(a[1], b[1], a[2], b[2])

    pairs = _class_pairs(statements, lambda s: (s.unit, s.normalised, s.bound), differ, _apart)
    united: dict[tuple, list[int]] = {}  # passage -> its counts with a unit
    for i, s in enumerate(statements):
        if s.unit:
            united.setdefault(s.passage, []).append(i)
    by_values: dict[frozenset, list[tuple]] = {}  # the passages whose united counts have these values
    for passage, members in united.items():
        by_values.setdefault(frozenset((statements[j].normalised, statements[j].bound) for j in members), []).append(passage)
    bare: dict[tuple, list[int]] = {}
    for i, s in enumerate(statements):
        if not s.unit:
            bare.setdefault((s.normalised, s.bound), []).append(i)
    for (value, bound), members in bare.items():
        for values, passages in by_values.items():
            if any(counts_agree(value, v, bound, b) for v, b in values):
                continue
            for passage in passages:
                pairs.update((min(i, j), max(i, j)) for i in members if statements[i].passage != passage
                             for j in united[passage])
    return pairs


def disagreements(attribute: str, statements: list[Statement]) -> list[tuple[int, int]]:
    """Index pairs of statements that disagree (see the module docstring)."""
    if attribute in COUNTS:
        pairs = _count_pairs(statements)
    elif attribute == "date":
        pairs = _class_pairs(statements, lambda s: frozenset(_years(s)), lambda a, b: not a & b, _apart)
    elif attribute == "venue":
        pairs = _class_pairs(statements, lambda s: s.value if s.normalised == "published" else None,
                             lambda a, b: not same_venue(a, b), _apart)
    elif attribute in DESCRIPTIVE:
        pairs = _class_pairs(statements, lambda s: frozenset(_items(s.value)), lambda a, b: not a & b,
                             lambda s, t: s.doc != t.doc)
    else:
        pairs = set()
    return sorted(pairs)
