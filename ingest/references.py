"""Reference lists: recognise entries, split them into fields, resolve in-text ``[12]`` markers."""
from __future__ import annotations

import re

from ingest.records import Reference

REFERENCE_HEADINGS = re.compile(r"^(references|bibliography|literature cited|works cited|reference list)$", re.I)
ENTRY_START = re.compile(r"^\s*(?:[-*]\s*)?(?:\[(\d{1,4})\]|(\d{1,4})\.)\s+(\S.*)$")
_MARKER = re.compile(r"\[(\d{1,4}(?:\s*[-–,]\s*\d{1,4})*)\]")
# A year, not the start of an arXiv id (``arXiv:2001.08361``) or a piece of a DOI or number.
_YEAR = re.compile(r"(?<![\w.:/])(?:19|20)\d{2}(?!\d|\.\d)")
_TRAILERS = re.compile(r"\s*\[(?:Google Scholar|CrossRef|PubMed|Green Version|Ref list)\]", re.I)
_ITALIC = re.compile(r"\*([^*]+)\*")
_PERSON = re.compile(r"^(?=.*\b[A-Z]\.)(?:[A-Z][\w'’.-]*\s?){1,6}$|^et al\.?$", re.U)


def entry_start(line: str) -> tuple[int, str] | None:
    """``(number, rest)`` when ``line`` starts a numbered reference entry."""
    match = ENTRY_START.match(line)
    if not match:
        return None
    return int(match.group(1) or match.group(2)), match.group(3)


def parse_reference(number: int, raw: str) -> Reference:
    """Split one entry into authors, title, venue and year (best effort; ``raw`` is always kept)."""
    clean = _TRAILERS.sub("", raw).strip()
    italics = [i for i in _ITALIC.findall(clean) if "et al" not in i]
    plain = _ITALIC.sub(lambda m: m.group(1), clean)
    years = _YEAR.findall(plain)
    ref = Reference(number=number, raw=plain, year=years[-1] if years else "")
    quoted = re.match(r'^(.*?),?\s*["“](.+?)[,.]?["”],?\s*(.*)$', plain)
    if quoted:  # IEEE: Authors, "Title," Venue, ...
        ref.authors, ref.title = quoted.group(1).strip(" ,"), quoted.group(2).strip()
        ref.venue = italics[0] if italics else quoted.group(3).split(",")[0].strip()
    elif ";" in plain.split(". ")[0] or re.match(r"^[^,]+, (?:[A-Z]\.\s?-?)+[;.]", plain):  # MDPI: Surname, I.; ... Title. Venue Year
        _split_mdpi(plain, ref)
    else:  # Elsevier: A. Author, B. Author, Title, *Venue* vol (year) pages.
        _split_comma_list(plain, italics, ref)
    return ref


def _split_mdpi(plain: str, ref: Reference) -> None:
    match = re.match(r"^(.*?(?:[A-Z]\.|et al\.))\s+([A-Z0-9].*?)\.\s+(.*)$", plain)
    if not match:
        return
    ref.authors, ref.title = match.group(1).strip(), match.group(2).strip()
    ref.venue = re.split(r"\s(?:19|20)\d{2}(?=[,;.]|$)", match.group(3))[0].strip(" ,.")


def _split_comma_list(plain: str, italics: list[str], ref: Reference) -> None:
    parts = [p.strip() for p in plain.split(",")]
    authors = []
    while parts and _PERSON.match(parts[0]):
        authors.append(parts.pop(0))
    ref.authors = ", ".join(authors)
    rest = ", ".join(parts)
    if italics and italics[0] in rest:
        title = re.sub(r",\s*in:?$|\s+in:$", "", rest.split(italics[0])[0].strip(" ,."))  # "Title, in: *Proceedings*"
        ref.title, ref.venue = title.strip(" ,."), italics[0].strip()
    elif parts:
        ref.title = parts[0]
        ref.venue = parts[1] if len(parts) > 1 and not _YEAR.fullmatch(parts[1]) else ""


def cited_numbers(text: str) -> list[int]:
    """Numbers cited by markers such as ``[12]``, ``[3, 5]``, ``[7-9]`` (ranges expanded, capped)."""
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        for part in re.split(r"\s*,\s*", match.group(1)):
            bounds = [int(b) for b in re.split(r"\s*[-–]\s*", part) if b]
            low, high = bounds[0], bounds[-1]
            if high < low or high - low > 50:
                high = low
            numbers.extend(n for n in range(low, high + 1) if n not in numbers)
    return numbers


def resolve(text: str, references: dict[int, Reference]) -> dict[str, str]:
    """Map each cited number in ``text`` that exists in ``references`` to its one-line entry."""
    return {str(n): references[n].short() for n in cited_numbers(text) if n in references}
