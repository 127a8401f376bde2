"""When two written names are the same model: the one rule the entity index, the catalog, the
cross-survey merge and the model registry share.

Deliberately strict: names are equal when their *keys* are equal — lower-case letters and
digits (any script, so ``μSAM`` ≠ ``SAM``) and ``+`` (``Polyp-SAM++`` ≠ ``Polyp-SAM``), a ``v`` before a trailing version number
dropped — or when one is the other plus a plural ``s``. So ``LLaVA-Med`` = ``LLaVA Med`` =
``llava-med``, ``SAM 2`` = ``SAM-2`` = ``SAM2`` = ``SAMv2``, ``CLIPs`` = ``CLIP``; but a name is
never merged with a longer name that contains it (``SAM`` ≠ ``MedSAM`` ≠ ``SAM-Med2D``,
``CLIP`` ≠ ``BiomedCLIP``, ``MedCLIP`` ≠ ``PMC-CLIP``, ``LLaVA`` ≠ ``LLaVA-Med``)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

_SHORT = 4
_JUNK = re.compile(r"\bet al\b|[;=&]|^\W*\d+\W*$", re.I)
_SEPARATOR = r"[\s\-‐‑–—_.]?"
_LOOKALIKES = frozenset("\u0130\u0131\u017f\u212a")  # non-ASCII letters that re.I matches to ASCII ones


def name_key(name: str) -> str:
    """``SAM-Med2D`` → ``sammed2d``; ``MedSAM v2`` → ``medsam2``; ``μSAM`` → ``μsam``;
    ``Polyp-SAM++`` → ``polypsam++`` (a ``+`` is part of the name)."""
    text = unicodedata.normalize("NFKC", name).lower()
    key = "".join(ch for ch in text if ch.isalnum() or ch == "+")
    return re.sub(r"(?<=[a-zμ])v(\d+)$", r"\1", key) if re.search(r"[^v\d]v\d+$", key) else key


def same_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same thing (see the module docstring)."""
    return _same_keys(name_key(a), name_key(b))


def _same_keys(ka: str, kb: str) -> bool:
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    short, long = sorted((ka, kb), key=len)
    return len(short) >= 3 and long == short + "s" and not short.endswith("s")


def usable_name(name: str) -> bool:
    """A name worth resolving: has a letter, is not a citation (``Dai et al., 2025``) or table debris."""
    return bool(name) and any(ch.isalpha() for ch in name) and not _JUNK.search(name) and len(name_key(name)) >= 2


def searchable(name: str) -> bool:
    """A name short and specific enough to look for in running text (not a paper title)."""
    return usable_name(name) and len(name) <= 40 and len(name.split()) <= 4 and "(" not in name \
        and not re.search(r"\s\+\s", name)


def case_sensitive(name: str, record: bool = False) -> bool:
    """Short names (``SAM``, ``UNI``) and plain words (``Zeus``, ``Virchow``) must match in case;
    coined names with inner capitals or digits (``MedSAM``, ``CheXagent``) may vary in case. A
    ``record`` name (a table row's or reference's, so never a plain word) only when short."""
    parts = [p for p in re.split(r"[^\w]+", name) if p]
    if len("".join(parts)) <= _SHORT:
        return True
    return not record and not any(ch.isupper() or ch.isdigit() for part in parts for ch in part[1:])


def _parts(name: str) -> list[str]:
    """The pieces :func:`name_regex` lets separators come between: runs of letters, of digits, of symbols."""
    words = [w for w in re.split(r"[\s\-‐‑–—_.]+", name.strip()) if w]
    return [p for w in words for p in re.findall(r"[^\W\d_]+|\d+|[^\w\s]+", w)]


def name_regex(name: str, record: bool = False) -> str:
    """A regex for ``name`` written with or without separators between its parts — at hyphens,
    spaces and where letters meet digits (``SAM-Med2D`` also matches ``SAM Med2D`` and
    ``SAM-Med 2D``) — optionally plural or possessive, as a whole word."""
    body = _SEPARATOR.join(re.escape(p) for p in _parts(name))
    inline = "" if case_sensitive(name, record) else "(?i:"
    return f"{inline}{body}{')' if inline else ''}(?:s|'s|’s)?"


def whole_word(regex: str) -> str:
    """``regex`` matched only as a whole name: not inside a longer word or hyphenated name."""
    return rf"(?<![\w-])(?:{regex})(?![\w-])"


def closest_name(name: str, names: Iterable[str], cutoff: float = 88) -> str | None:
    """The entry of ``names`` that is ``name`` (:func:`same_name`), else the closest spelling (key
    similarity ≥ ``cutoff``) that is a misspelling and not another model: never a name whose key
    contains the other's (``MedSAM`` is not ``MedSAM2``); None when there is none."""
    key = name_key(name)
    keyed = [(name_key(n), n) for n in names]
    same = next((n for k, n in keyed if _same_keys(key, k)), None)
    if same is not None or not key:
        return same
    keys = {k: n for k, n in reversed(keyed)}
    distinct = [k for k in keys if k and key not in k and k not in key]
    match = process.extractOne(key, distinct, scorer=fuzz.ratio, score_cutoff=cutoff)
    return keys[match[0]] if match else None


class NameFinder:
    """Finds ``name`` in text as a whole word, written with or without separators (:func:`name_regex`).

    Its longest piece must occur in the text (as written, or lower-cased when case may vary) for the
    regex to match, so that cheap test comes first. It is skipped when it could be wrong: for a
    piece that is not ASCII, and for text holding a letter that ``re.I`` matches to an ASCII one
    (``İ ı ſ K``)."""

    def __init__(self, name: str, record: bool = False):
        self.pattern = re.compile(whole_word(name_regex(name, record)))
        self.exact_case = case_sensitive(name, record)
        longest = max(_parts(name), key=len, default="")
        self.piece = (longest if self.exact_case else longest.lower()) if longest.isascii() else ""

    def search(self, text: str, lowered: str | None = None) -> re.Match | None:
        """The first occurrence in ``text``; ``lowered`` is ``text.lower()`` when the caller has it."""
        if self.piece:
            if self.exact_case and self.piece not in text:
                return None
            if not self.exact_case and _LOOKALIKES.isdisjoint(text) \
                    and self.piece not in (lowered if lowered is not None else text.lower()):
                return None
        return self.pattern.search(text)
