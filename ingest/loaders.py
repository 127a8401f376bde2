"""Read .txt, .md and .pdf files into a :class:`LoadedDocument`, or fail with a clear reason."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.errors import UnreadableFile
from ingest.records import LoadedDocument

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".pdf"}


def load_document(path: Path) -> LoadedDocument:
    """Load one file; raises :class:`UnreadableFile` for anything that is not usable text."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(str(path), f"unsupported file type {suffix or '(none)'!r}; use .txt, .md or .pdf")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(str(path), f"cannot read file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise UnreadableFile(str(path), "empty file")
    pages = []
    if suffix == ".pdf":
        from ingest.pdf import load_pdf

        text, pages = load_pdf(path)
    else:
        text = decode_text(str(path), data)
    if not text.strip():
        raise UnreadableFile(str(path), "empty file (no text after decoding)")
    return LoadedDocument(
        doc=path.name, path=str(path), text=text, checksum=hashlib.sha256(data).hexdigest(), pages=pages
    )


def decode_text(path: str, data: bytes) -> str:
    """UTF-8 text with newlines kept as in the file; binary or other encodings are refused."""
    head = data[:8192]
    if b"\x00" in head:
        raise UnreadableFile(path, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8"
        ) from exc
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise UnreadableFile(path, "binary file (mostly control characters), not text")
    return text
