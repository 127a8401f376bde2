"""Follow-up questions: a question that refers back (``And what training data did it use?``)
is rewritten to name the previous turn's subject (``… did SAM-Med2D use?``).

Deterministic and cheap: the subject of a turn is the longest known model name its question
mentions; a later question that names none of them but refers back — a pronoun (``it``,
``its``, ``they``), ``this model`` / ``the paper``, or an elliptical start (``And …``, ``What
about …``) — gets the subject substituted for the reference (or appended when there is none)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.names import name_regex, searchable, whole_word

_NOUN = r"(?:model|method|approach|framework|paper|work|study|system|network|architecture|one)"
_REFERENCE = re.compile(rf"\b(?:(?P<demo>(?:this|that|the|said)\s+{_NOUN})|(?P<poss>its|their)|(?P<pron>it|they|them))\b",
                        re.I)
_ELLIPSIS = re.compile(r"^\s*(?:and|also|so|then|what about|how about)\b[\s,]*", re.I)
_LEAD = re.compile(r"^\s*(?:and|also|so|then)\b[\s,]*", re.I)


@dataclass
class Resolved:
    """A question as understood: ``text`` is what is asked, ``subject`` what it is about."""

    original: str
    text: str
    subject: str | None = None
    rewritten: bool = False

    def shown(self) -> str:
        """The question as the user wrote it, plus the subject it was resolved to: ``… (SAM-Med2D)``."""
        return f"{self.original} ({self.subject})" if self.rewritten else self.original


@lru_cache(maxsize=8)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    usable = sorted({n for n in names if searchable(n)}, key=len, reverse=True)
    if not usable:
        return None
    return re.compile("|".join(whole_word(name_regex(n)) for n in usable))


def mentioned(question: str, names: tuple[str, ...]) -> str | None:
    """The longest known name ``question`` mentions, as written there; None when it names none."""
    pattern = _names_pattern(names)
    found = [m.group(0) for m in pattern.finditer(question)] if pattern else []
    return max(found, key=len) if found else None


def resolve(question: str, previous_subject: str | None, names: tuple[str, ...]) -> Resolved:
    """``question`` with a reference back to ``previous_subject`` resolved (see the module docstring)."""
    own = mentioned(question, names)
    if own or not previous_subject:
        return Resolved(question, question, own)
    reference = _REFERENCE.search(question)
    if reference:
        name = f"{previous_subject}'s" if reference.group("poss") else previous_subject
        text = question[: reference.start()] + name + question[reference.end():]
    elif _ELLIPSIS.match(question):
        text = f"{question.rstrip(' ?.')} of {previous_subject}?"
    else:
        return Resolved(question, question, None)
    text = _LEAD.sub("", text, count=1)
    return Resolved(question, text[:1].upper() + text[1:], previous_subject, rewritten=True)
