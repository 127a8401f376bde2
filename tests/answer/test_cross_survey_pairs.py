"""Disagreeing and within-rounding statement pairs: the class-based ``disagreements`` and
``rounding_pairs`` give exactly the pairs of the direct all-pairs rules (``reference_*`` below, the
implementation they replaced) on random statements with values repeated across many passages."""
from __future__ import annotations

import random
from itertools import combinations

import pytest

from answer.cross_survey.compare import (COUNTS, DESCRIPTIVE, _items, _years, disagreements, rounding_pairs,
                                        same_venue)
from answer.cross_survey.quantities import counts_agree, parse_quantities, within_rounding, written_digits
from answer.cross_survey.statements import Statement

COUNT_VALUES = ["8.4M", "8.5M", "~8.47M", "8.47M", "1M", "1.6M", "1.1B", "over 1M", "up to 2M", "600K", "~600K", "6M"]
DATES = [("2023", ""), ("2023/2024", ""), ("2022", ""), ("2024", ""), ("arxiv.org/abs/2303.00915", "arXiv link")]
VENUES = ["Nature Medicine", "Nature Communications", "Adv. Neural Inf. Process. Syst",
          "Advances in Neural Information Processing Systems", "In Proceedings of the IEEE/CVF ICCV", "ICCV", "arXiv"]
DESCRIPTIONS = ["CT, MRI", "x-ray", "CXR", "ViT-B/16", "ViT-B/16 and BERT", "segmentation; classification", "seg", "—"]


def reference_disagreements(attribute: str, statements: list[Statement]) -> list[tuple[int, int]]:
    def agree(s, t):
        return counts_agree(s.normalised, t.normalised, s.bound, t.bound)

    pairs: set[tuple[int, int]] = set()
    indexed = list(enumerate(statements))
    if attribute in COUNTS:
        passages: dict[tuple, list[tuple[int, Statement]]] = {}
        for i, s in indexed:
            passages.setdefault(s.passage, []).append((i, s))
        for (_, group_a), (_, group_b) in combinations(passages.items(), 2):
            for first, second in ((group_a, group_b), (group_b, group_a)):
                for i, s in first:
                    united = [(j, t) for j, t in second if t.unit]
                    for j, t in second:
                        if (s.unit and t.unit and s.unit == t.unit or not s.unit and not t.unit) and not agree(s, t):
                            pairs.add(tuple(sorted((i, j))))
                    if not s.unit and united and not any(agree(s, t) for _, t in united):
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


def reference_rounding_pairs(attribute: str, statements: list[Statement], pairs) -> list[tuple[int, int]]:
    if attribute not in COUNTS:
        return []

    def near(s, t):
        return not (s.bound or t.bound) and within_rounding(s.normalised, t.normalised, written_digits(s.value),
                                                            written_digits(t.value), s.approximate, t.approximate)

    def close(i, j):
        s, t = statements[i], statements[j]
        if near(s, t):
            return True
        bare, other = (s, t) if not s.unit else (t, s) if not t.unit else (None, None)
        return bare is not None and any(u.unit and u.passage == other.passage and near(bare, u) for u in statements)

    return [pair for pair in pairs if close(*pair)]


def statement(attribute: str, value: str, passage: tuple[str, int], rng: random.Random) -> Statement:
    doc, start = passage
    span = dict(doc=doc, doc_title=doc, chunk_id=f"{doc}-{start}", start=start, end=start + 50, line_start=1,
                line_end=1, quote=value, attribute=attribute, value=value)
    if attribute in COUNTS:
        (q,) = parse_quantities(value)
        return Statement(**span, normalised=q.value, unit=rng.choice(["", "", "image", "image-text pair"]),
                         source="table-row", approximate=q.approximate, bound=q.bound)
    if attribute == "date":
        value, field = rng.choice(DATES)
        return Statement(**{**span, "value": value}, normalised=2023 if field else int(value[:4]), unit="",
                         source="reference", field=field)
    if attribute == "venue":
        return Statement(**span, normalised="preprint" if value == "arXiv" else "published", unit="", source="reference")
    return Statement(**span, normalised=value, unit="", source="table-row")


def random_statements(attribute: str, rng: random.Random) -> list[Statement]:
    """Up to 30 statements over a few documents; values come from a short list, so most recur in
    several passages (as when many surveys copy one table)."""
    values = {"date": [d for d, _ in DATES], "venue": VENUES}.get(attribute, COUNT_VALUES if attribute in COUNTS else DESCRIPTIONS)
    passages = [(rng.choice("abcd"), rng.randrange(5) * 100) for _ in range(rng.randint(1, 8))]
    return [statement(attribute, rng.choice(values), rng.choice(passages), rng) for _ in range(rng.randint(0, 30))]


@pytest.mark.parametrize("attribute", ["data", "parameters", "date", "venue", "backbone", "modalities", "tasks"])
def test_pairs_equal_the_all_pairs_rules_on_random_statements(attribute):
    rng = random.Random(attribute)
    found = 0
    for _ in range(150):
        statements = random_statements(attribute, rng)
        expected = reference_disagreements(attribute, statements)
        assert disagreements(attribute, statements) == expected
        assert rounding_pairs(attribute, statements, expected) == reference_rounding_pairs(attribute, statements, expected)
        found += len(expected)
    assert found > 0, "the random statements include disagreements"


def test_a_value_copied_into_many_passages_disagrees_once_per_pair_of_passages():
    rng = random.Random(0)
    statements = ([statement("data", "8.5M", ("a", 100 * i), rng) for i in range(40)]
                  + [statement("data", "1.1B", ("b", 100 * i), rng) for i in range(40)])
    for s in statements:
        s.unit = "image"
    pairs = disagreements("data", statements)
    assert pairs == reference_disagreements("data", statements)
    assert len(pairs) == 40 * 40 and all(i < 40 <= j for i, j in pairs)
    assert rounding_pairs("data", statements, pairs) == []
