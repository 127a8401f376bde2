"""Answer text that reads cleanly: no markup or source artifacts copied from the document, and no
connective that only made sense in the middle of the source's argument."""
from __future__ import annotations

import re

_ARTIFACT = re.compile(r"\s*:?contentReference\[oaicite:\d+\](\{index=\d+\})?")
_BADGE = re.compile(r"\s*\[\[[^\[\]]*\]\]\([^)\s]*\)")  # [[paper]](url): a link badge, no content
_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[a-z]+://|www\.)[^)\s]*\)")  # [text](url): keep the text
_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)([^*]+?)(?<=\S)\1")
# A sentence that opens with a connective leans on the sentence before it, which the answer lacks.
_CONNECTIVE = (r"however|moreover|furthermore|additionally|in addition|similarly|likewise|in contrast|by contrast|"
               r"conversely|on the other hand|nevertheless|nonetheless|meanwhile|consequently|therefore|thus|hence|"
               r"besides|in turn|instead|in particular|notably|also|as such")
_OPENING = re.compile(rf"^(?:{_CONNECTIVE})\s*,\s*", re.I)
SHORT_TITLE_WORDS = 7
_AFTER_SUBJECT = re.compile(rf"^([^,;:.]{{1,60}}?),\s*(?:{_CONNECTIVE}),\s*", re.I)


def clean_markup(text: str) -> str:
    """``text`` without markdown links and emphasis, HTML tags and export artifacts
    (``:contentReference[oaicite:0]``); whitespace collapsed."""
    text = _ARTIFACT.sub("", text)
    text = _BADGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _HTML.sub(" ", text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return " ".join(text.split())


def drop_opening_connective(sentence: str) -> str:
    """``However, X does Y`` -> ``X does Y``; ``X, on the other hand, does Y`` -> ``X does Y``."""
    out = _OPENING.sub("", sentence, count=1)
    out = _AFTER_SUBJECT.sub(lambda m: f"{m.group(1)} ", out, count=1)
    return out[:1].upper() + out[1:] if out else out


def answer_sentence(text: str) -> str:
    """A source sentence as an answer sentence: markup stripped, opening connective dropped."""
    return drop_opening_connective(clean_markup(text))


def short_title(title: str, fallback: str, words: int = SHORT_TITLE_WORDS) -> str:
    """A survey's title up to its subtitle (``Foundation Models in Medical Image Analysis``),
    at most ``words`` words; ``fallback`` (the file name) when it has none."""
    head = re.split(r":\s|\s[-–—]\s", (title or "").strip(), maxsplit=1)[0].strip()
    parts = head.split()
    if not parts:
        return fallback
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
