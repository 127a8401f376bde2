"""Publisher and site boilerplate after the article (disclaimers, cookie and share blocks, ©)."""
from __future__ import annotations

import re

from ingest.blocks import Line
from ingest.references import entry_start

_MARKERS = re.compile(
    r"(disclaimer|copyright|©|\(c\) \d{4}|all rights reserved|cookie|privacy|terms of (use|service)|"
    r"subscribe|share (this|on)|logo\b|publisher'?s note|creative commons|download (pdf|citation)|"
    r"sign (in|up)|newsletter|follow us)",
    re.I,
)
_SHORT = 100
_SECTION_NUMBER = re.compile(r"^\d{1,2}(\.\d{1,2})*\.?\s+[A-Z]")  # "2.2. Patient Privacy": a heading, not a menu


def is_boilerplate(text: str) -> bool:
    """True for a line that reads like site or publisher furniture: it opens or closes with a
    marker ("Copyright: ...", "Privacy Policy", "... All rights reserved.") or is a short menu or
    logo line holding one ("Site logo"). A content line that merely mentions one in passing
    ("FedX Skin 2024 privacy-preserving 2M"), or a numbered section heading ("4.2 Privacy"), is not."""
    text = text.strip()
    if _SECTION_NUMBER.match(text):
        return False
    short = len(text.split()) <= 3
    for found in _MARKERS.finditer(text):
        if short or not text[: found.start()].strip(" *#>-•|") or not text[found.end():].strip(" .!"):
            return True
    return False


def article_end(lines: list[Line]) -> int:
    """Index of the first line of the trailing boilerplate block (``len(lines)`` when there is none).

    The block starts at a boilerplate line in the last third of the document after which every
    non-blank line is boilerplate or short (menus, logos, link lists) and none is a reference entry.
    """
    end = len(lines)
    for index in range(len(lines) - 1, int(len(lines) * 2 / 3) - 1, -1):
        text = lines[index].text.strip()
        if not text:
            continue
        if is_boilerplate(text):
            end = index
        elif len(text) > _SHORT or "\t" in text or entry_start(text):
            break
    return end
