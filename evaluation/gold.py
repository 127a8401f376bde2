"""Gold QA sets (schema of data/eval/README.md): load, validate, locate evidence quotes."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

TYPES = ("factoid", "numeric", "table", "list", "definition", "reference", "comparison", "cross-doc", "yes-no",
         "unanswerable")
YES_NO = ("yes", "no")
DIFFICULTIES = ("easy", "medium", "hard")


class GoldError(ValueError):
    """A malformed gold file; the message names the file and line."""


@dataclass
class Evidence:
    doc: str
    quote: str
    start: int | None = None
    end: int | None = None


@dataclass
class GoldItem:
    id: str
    question: str
    answer: str
    key_facts: list[str]
    evidence: list[Evidence]
    type: str
    difficulty: str
    scope: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @property
    def scored_facts(self) -> bool:
        """Counted in key-fact accuracy: answerable and with key facts."""
        return self.answerable and bool(self.key_facts)


def _check(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise GoldError(f"{where}: {message}")


def parse_item(raw: str, where: str) -> GoldItem:
    """One gold line, validated against the schema."""
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GoldError(f"{where}: not valid JSON ({exc.msg})") from exc
    _check(isinstance(row, dict), where, "expected a JSON object")
    for key, kind in (("id", str), ("question", str), ("answer", str), ("key_facts", list), ("evidence", list),
                      ("type", str), ("difficulty", str)):
        _check(key in row, where, f"missing key {key!r}")
        _check(isinstance(row[key], kind), where, f"{key!r} must be a {kind.__name__}")
    _check(bool(row["question"].strip()), where, "empty question")
    _check(row["type"] in TYPES, where, f"type {row['type']!r} is not one of {', '.join(TYPES)}")
    _check(row["difficulty"] in DIFFICULTIES, where, f"difficulty {row['difficulty']!r} is not one of {', '.join(DIFFICULTIES)}")
    _check(all(isinstance(f, str) for f in row["key_facts"]), where, "key_facts must be strings")
    evidence = []
    for ev in row["evidence"]:
        _check(isinstance(ev, dict) and isinstance(ev.get("doc"), str) and isinstance(ev.get("quote"), str),
               where, "each evidence entry needs string 'doc' and 'quote'")
        evidence.append(Evidence(ev["doc"], ev["quote"]))
    scope = row.get("scope", [])
    _check(isinstance(scope, list) and all(isinstance(d, str) and d for d in scope), where,
           "'scope' must be a list of document file names")
    if row["type"] == "yes-no":
        _check(len(row["key_facts"]) == 1 and row["key_facts"][0].lower() in YES_NO, where,
               "a yes-no item's key_facts must be [\"Yes\"] or [\"No\"]")
    known = {"id", "question", "answer", "key_facts", "evidence", "type", "difficulty", "scope"}
    return GoldItem(row["id"], row["question"], row["answer"], row["key_facts"], evidence, row["type"],
                    row["difficulty"], scope, {k: v for k, v in row.items() if k not in known})


def load_gold(path: Path) -> list[GoldItem]:
    """All items of a gold JSONL file; raises :class:`GoldError` naming the first bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: cannot read gold file ({exc})") from exc
    items, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = parse_item(line, f"{path}:{number}")
        _check(item.id not in seen, f"{path}:{number}", f"duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    _check(bool(items), str(path), "no gold items")
    return items


def normalise(text: str) -> str:
    """Lower-cased, whitespace runs collapsed to one space."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` normalised like :func:`normalise` plus the original offset of every character."""
    out, offsets, space = [], [], False
    for i, ch in enumerate(text):
        if ch.isspace():
            space = True
            continue
        if space and out:
            out.append(" ")
            offsets.append(i - 1)
        space = False
        out.append(ch.lower())
        offsets.append(i)
    return "".join(out), offsets


def locate(quote: str, normalised: tuple[str, list[int]]) -> tuple[int, int] | None:
    """Character span of ``quote`` in a document given as ``_normalised_with_map(text)``."""
    norm, offsets = normalised
    needle = normalise(quote)
    at = norm.find(needle) if needle else -1
    if at < 0:
        return None
    return offsets[at], offsets[at + len(needle) - 1] + 1


def locate_evidence(items: list[GoldItem], doc_texts: dict[str, str]) -> list[str]:
    """Fill each evidence span; returns warnings for quotes that cannot be found."""
    maps = {doc: _normalised_with_map(text) for doc, text in doc_texts.items()}
    warnings = []
    for item in items:
        for ev in item.evidence:
            span = locate(ev.quote, maps[ev.doc]) if ev.doc in maps else None
            if span:
                ev.start, ev.end = span
            else:
                where = "document not in the index" if ev.doc not in maps else "quote not found"
                warnings.append(f"{item.id}: {ev.doc}: {where}")
    return warnings
