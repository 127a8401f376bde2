"""Numbers as surveys write them (``8.5M``, ``~8.47 M``, ``8,500,000``, ``1.1B``, ``Fifteen
Million``), normalised to floats, with the unit noun that says what was counted.

Agreement rule (documented choice): two counts agree when they round to the same two
significant figures — ``8.47M`` ≈ ``8.5M`` agree; ``8.4M`` vs ``8.5M``, ``1M`` vs ``1.6M`` and
``6M`` vs ``8.5M`` do not. ``~`` / ``approximately`` do not widen this; ``over`` / ``at least`` /
``up to`` make the count a bound. Counts that do not agree may still be the same number written
to a different precision (:func:`within_rounding`: ``8.4M`` / ``8.5M``, ``~8.47M`` / ``8.4M``),
which is told apart from a real disagreement (``1M`` vs ``1.6M``, ``6M`` vs ``8.5M``). Counts of different things (``image-text pair`` vs ``image``
vs ``image-mask pair``) are never compared directly; how a bare count (a table cell such as
``~1.6M``) is compared is decided in :mod:`answer.cross_survey.compare`."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
           "billion": 1e9, "t": 1e12, "trillion": 1e12}
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
          "hundred": 100}
_APPROX = (r"(?P<approx>~\s?|≈\s?|\\sim\s|about\s|approximately\s|approx\.\s|around\s|roughly\s|nearly\s|almost\s|"
           r"over\s|more\sthan\s|at\sleast\s|upwards\sof\s|>\s?|≥\s?|up\sto\s|below\s|under\s|less\sthan\s|"
           r"fewer\sthan\s|<\s?|≤\s?)?")
_AT_LEAST = re.compile(r"over|more|at least|upwards|>|≥", re.I)
_AT_MOST = re.compile(r"up to|below|under|less|fewer|<|≤", re.I)
_NUMBER = (r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|(?i:" + "|".join(_WORDS) + r"))"
           r"(?:\s?(?P<scale>(?i:thousand|million|billion|trillion)|[KMBT](?![A-Za-z])|k(?![A-Za-z])|mn(?![A-Za-z])|bn(?![A-Za-z])))?")
QUANTITY = re.compile(rf"(?<![\w.,\-/]){_APPROX}{_NUMBER}(?![\w%]|\.\d|,\d)", re.I)

# What was counted: the head noun (singular) → its canonical kind.
_HEADS = {
    "pair": "pair", "triplet": "triplet", "triple": "triplet", "image": "image", "radiograph": "image", "ray": "image",
    "photograph": "image", "mask": "mask", "volume": "volume", "scan": "scan", "slice": "slice",
    "sample": "sample", "example": "sample", "instance": "sample", "patient": "patient", "report": "report",
    "study": "study", "case": "case", "slide": "slide", "wsi": "slide", "video": "video", "token": "token",
    "question": "question", "instruction": "instruction", "hour": "hour", "annotation": "annotation",
    "caption": "caption", "article": "article", "paper": "article", "conversation": "conversation",
    "dialogue": "conversation", "parameter": "parameter", "param": "parameter", "tile": "tile", "patch": "tile",
    "label": "label", "class": "class", "category": "class", "dataset": "dataset", "frame": "frame", "cell": "cell",
}
# Words inside a compound ("image-text pairs", "CXR-text-QA triplets") → what the pair is made of.
_PARTS = {
    "image": "image", "images": "image", "img": "image", "cxr": "image", "radiograph": "image", "volume": "image",
    "volumes": "image", "scan": "image", "video": "image", "figure": "image", "subfigure": "image",
    "imaging": "image", "text": "text", "caption": "text", "report": "text", "description": "text", "language": "text",
    "subcaption": "text", "mask": "mask", "masks": "mask", "question": "qa", "answer": "qa", "qa": "qa",
    "instruction": "qa", "vqa": "qa",
}
_COMPOUND_HEADS = {"pair", "triplet"}
_WORD = re.compile(r"[A-Za-z][\w\-—–/]*|\d[Dd](?![\w])")  # modifiers are words or 2D / 3D, never numbers
_MAX_WORDS = 6


@dataclass
class Quantity:
    """One count found in text: its literal text, value, what it counts and where it is."""

    text: str
    value: float
    unit: str
    start: int
    end: int
    approximate: bool = False
    digits: int = 2
    bound: str = ""  # "min" for "over 1.1B", "max" for "up to 1M", "" for a plain or approximate count

    def to_dict(self) -> dict:
        return {"text": self.text, "value": self.value, "unit": self.unit, "approximate": self.approximate}


def number_value(num: str, scale: str | None = None) -> float:
    """``'8.5', 'M'`` → 8.5e6; ``'8,500,000'`` → 8.5e6; ``'Fifteen', 'Million'`` → 1.5e7."""
    word = _WORDS.get(num.lower())
    value = float(word) if word is not None else float(num.replace(",", ""))
    return value * _SCALES.get((scale or "").lower(), 1.0)


def _unit_after(text: str, end: int) -> tuple[str, int]:
    """The canonical unit written right after a number (``'image-text pair'``) and where it ends;
    ``('', end)`` for a bare number. Up to five modifiers may precede the head noun
    (``4.6M 2D medical images``); punctuation or a line break ends the search."""
    words, position = [], end
    while len(words) < _MAX_WORDS:
        gap = re.match(r"[ \t]*", text[position:]).end()
        match = _WORD.match(text, position + gap)
        if not match or (gap == 0 and position != end):
            break
        words.append(match)
        position = match.end()
    heads = [_head_of(m.group()) for m in words]
    first = next((i for i, h in enumerate(heads) if h), None)
    if first is None:
        return "", end
    last = first
    while last + 1 < len(heads) and heads[last + 1]:
        last += 1  # "image mask pairs": the head is the last of a run of nouns
    head = heads[last]
    if head in _COMPOUND_HEADS:
        parts = {k for w in words[: last + 1] for p in re.split(r"[\-—–/]", w.group().lower()) for k in _parts(p)}
        made_of = [p for p in ("image", "mask", "text", "qa") if p in parts]
        head = f"{'-'.join(made_of)} {head}".strip()
    return head, words[last].end()


def _parts(word: str) -> set[str]:
    """What a word of a compound names (``caption`` → text); run-together words too (``imagecaption``)."""
    found = _PARTS.get(word) or _PARTS.get(_singular(word))
    if found or len(word) < 8:
        return {found} if found else set()
    return {_PARTS[k] for k in ("image", "mask", "text", "caption", "report", "question") if k in word}


def _head_of(word: str) -> str:
    """The canonical head noun a word ends in (``'CXR-text-QA triplets'`` → ``'triplet'``), or ''."""
    pieces = [p for p in re.split(r"[\-—–/]", word.lower()) if p]
    return _HEADS.get(_singular(pieces[-1]), "") if pieces else ""


def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ches", "ch"), ("ses", "se"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and _HEADS.get(word[: -len(suffix)] + repl) is not None:
            return word[: -len(suffix)] + repl
    if word.endswith("es") and word[:-2] in _HEADS:
        return word[:-2]
    return word[:-1] if word.endswith("s") and word[:-1] in _HEADS else word


def _digits(num: str) -> int:
    """Significant figures written (``8.47`` → 3, ``8.5`` → 2, ``600`` → 1)."""
    plain = num.replace(",", "").lstrip("0").replace(".", "") if num[0].isdigit() else "1"
    return max(1, len(plain.rstrip("0")) if "." not in num else len(plain))


def parse_quantities(text: str, with_units: bool = True, minimum: float = 0.0) -> list[Quantity]:
    """Every count in ``text``: ``'~8.47M'``, ``'8.5 million image-text pairs'``, ``'1.1B masks'``."""
    out = []
    for match in QUANTITY.finditer(text):
        num, scale = match.group("num"), match.group("scale")
        if not num[0].isdigit() and not scale:
            continue  # a bare number word ("one of the ...") is not a count
        if scale and scale in "MBT" and len(scale) == 1 and match.end() < len(text) and text[match.end()] in "-–":
            continue
        if not scale and re.fullmatch(r"(19|20)\d\d", num):
            continue  # a year
        value = number_value(num, scale)
        if value < minimum:
            continue
        unit, stop = _unit_after(text, match.end()) if with_units else ("", match.end())
        qualifier = match.group("approx") or ""
        bound = "min" if _AT_LEAST.match(qualifier) else "max" if _AT_MOST.match(qualifier) else ""
        out.append(Quantity(text[match.start():stop].strip(), value, unit, match.start(), stop,
                            bool(qualifier) and not bound, _digits(num), bound))
    return out


def round_sig(value: float, digits: int = 2) -> float:
    """``value`` rounded to ``digits`` significant figures (8.47e6 → 8.5e6)."""
    if value == 0:
        return 0.0
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def values_agree(a: float, b: float) -> bool:
    """Two counts agree when they round to the same two significant figures: ``8.47M`` ≈ ``8.5M``;
    ``8.4M`` ≠ ``8.5M`` and ``8.47M`` ≠ ``8.4M``. Strict on purpose: a table that truncates
    (``60,530`` → ``~60K``, which rounds to 61K) is reported, not silently excused."""
    return math.isclose(round_sig(a), round_sig(b), rel_tol=1e-9)


APPROX_SHARE = 0.05  # how far a value marked "~" / "about" may be from the true one


def _interval(value: float, digits: int, approximate: bool) -> tuple[float, float]:
    """The true values a written count allows: half a unit of its last significant digit either
    side (``8.4M``: 8.35M–8.45M), widened to ``APPROX_SHARE`` of it when marked approximate."""
    if value == 0:
        return 0.0, 0.0
    half = 10 ** (math.floor(math.log10(abs(value))) - digits + 1) / 2
    spread = max(half, abs(value) * APPROX_SHARE) if approximate else half
    return value - spread, value + spread


def within_rounding(a: float, b: float, digits_a: int = 2, digits_b: int = 2, approx_a: bool = False,
                    approx_b: bool = False) -> bool:
    """Two counts that can be one number written to different precision: their intervals (see
    :func:`_interval`) meet. ``8.4M`` / ``8.5M`` (both allow 8.45M) and ``~8.47M`` / ``8.4M`` do;
    ``1M`` / ``1.6M`` and ``6M`` / ``8.5M`` do not."""
    low_a, high_a = _interval(a, digits_a, approx_a)
    low_b, high_b = _interval(b, digits_b, approx_b)
    slack = 1e-9 * max(abs(a), abs(b))
    return low_a <= high_b + slack and low_b <= high_a + slack


def written_digits(text: str) -> int:
    """Significant figures of the first count in ``text`` (``8.47M`` → 3; 2 when there is none)."""
    found = parse_quantities(text, with_units=False)
    return found[0].digits if found else 2


def counts_agree(a: float, b: float, bound_a: str = "", bound_b: str = "") -> bool:
    """Two counts agree (two significant figures), or a bound (``over 1M``) holds for the other."""
    ra, rb = round_sig(a), round_sig(b)
    if bound_a == "min" and rb >= ra or bound_a == "max" and rb <= ra:
        return True
    if bound_b == "min" and ra >= rb or bound_b == "max" and ra <= rb:
        return True
    return values_agree(a, b)


def year_of(text: str) -> int | None:
    """The year a date-like value names: ``2024.01`` → 2024, ``Ma et al., 2024`` → 2024,
    ``arXiv:2303.00915`` / ``arxiv.org/abs/2303.00915`` → 2023."""
    arxiv = re.search(r"arxiv(?:\.org/(?:abs|pdf)/|:\s?)(\d{2})(\d{2})\.\d{4,5}", text, re.I)
    if arxiv:
        return 2000 + int(arxiv.group(1))
    match = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)
    return int(match.group(1)) if match else None
