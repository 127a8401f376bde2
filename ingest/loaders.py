"""Read .txt, .md and .pdf files into a :class:`LoadedDocument`, or fail with a clear reason; the
:class:`FileRules` say which files an ingest reads at all."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import UnreadableFile
from ingest.records import LoadedDocument

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".pdf"}
MB = 1_000_000


@dataclass(frozen=True)
class FileRules:
    """Which files an ingest reads: at most ``max_bytes`` each (None: any size), and, under a folder,
    links to files outside it only with ``follow_links``."""

    max_bytes: int | None = None
    follow_links: bool = False

    @classmethod
    def of(cls, settings) -> FileRules:
        """The rules of the settings ``max_file_mb`` and ``follow_links``."""
        return cls(int(settings.max_file_mb * MB), settings.follow_links)

    def refusal(self, path: Path, folder: Path | None = None) -> str | None:
        """Why ``path`` (found under ``folder``, or named by the user) is not read, or None."""
        if folder is not None and not self.follow_links and path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(folder.resolve()):
                return f"a link to {target}, outside {folder}; not followed (set follow_links to read it)"
        try:
            size = path.stat().st_size
        except OSError as exc:
            return f"cannot read file ({exc.strerror or exc})"
        if self.max_bytes is not None and size > self.max_bytes:
            return (f"too large: {size / MB:,.1f} MB, over the {self.max_bytes / MB:g} MB limit per file "
                    "(setting max_file_mb)")
        return None


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
    """UTF-8 or UTF-16 text (a byte-order mark, or the zero bytes of mostly-ASCII text, tell which)
    with newlines kept as in the file; a NUL anywhere, binary data or other encodings are refused."""
    encoding = _utf16_encoding(data)
    if encoding is None and b"\x00" in data:
        raise UnreadableFile(path, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        if encoding:
            raise UnreadableFile(path, f"{encoding.upper()} text with an invalid sequence at offset {exc.start}; "
                                 "re-save it as UTF-8") from exc
        raise UnreadableFile(
            path, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8"
        ) from exc
    if "\x00" in text:
        raise UnreadableFile(path, f"binary file ({encoding.upper()} with NUL characters), not text")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise UnreadableFile(path, "binary file (mostly control characters), not text")
    return text


def _utf16_encoding(data: bytes) -> str | None:
    """"utf-16" for data opening with a UTF-16 byte-order mark; "utf-16-le" / "utf-16-be" when, without
    one, the first 8 KiB have a zero in (nearly) every odd / even byte, as UTF-16 ASCII text does."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") and data[:4] != b"\xff\xfe\x00\x00":  # not UTF-32's mark
        return "utf-16"
    head = data[: 8192 - 8192 % 2]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 0.9 * pairs and even <= 0.01 * pairs:
        return "utf-16-le"
    if even >= 0.9 * pairs and odd <= 0.01 * pairs:
        return "utf-16-be"
    return None
