"""Files → loaded documents → chunks, skipping (and reporting) files that cannot be read."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunker import make_chunks
from ingest.errors import UnreadableFile
from ingest.loaders import SUPPORTED_SUFFIXES, FileRules, load_document
from ingest.markdown import parse_markdown
from ingest.records import Chunk, LoadedDocument
from ingest.structure import parse_text
from core.settings import load_settings


@dataclass
class ParsedFile:
    """One readable document with its chunks and title."""

    document: LoadedDocument
    title: str
    chunks: list[Chunk]


@dataclass
class Skipped:
    path: str
    reason: str


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def discover(paths: Iterable[Path], rules: FileRules | None = None) -> Discovery:
    """Files to ingest: named files as given, folders searched recursively for .txt/.md/.pdf; a file
    the ``rules`` refuse (default: those of the settings) is skipped with the reason, unread."""
    rules = rules or FileRules.of(load_settings())
    found = Discovery()
    for path in map(Path, paths):
        if path.is_dir():
            candidates = [(p, path) for p in sorted(path.rglob("*")) if p.is_file()
                          and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")]
        elif path.exists():
            candidates = [(path, None)]
        else:
            found.skipped.append(Skipped(str(path), "no such file or folder"))
            continue
        for file, folder in candidates:
            reason = rules.refusal(file, folder)
            if reason:
                found.skipped.append(Skipped(str(file), reason))
            else:
                found.files.append(file)
    return found


def parse_file(path: Path, chunk_chars: int = 900, overlap: int = 1) -> ParsedFile:
    """Load, parse and chunk one file; raises :class:`UnreadableFile`."""
    document = load_document(path)
    parser = parse_markdown if path.suffix.lower() in (".md", ".markdown") else parse_text
    parsed = parser(document.text, document.doc)
    chunks = make_chunks(document, parsed, chunk_chars, overlap)
    if not chunks:
        raise UnreadableFile(str(path), "no text content found")
    return ParsedFile(document, parsed.title, chunks)


def try_parse(path: Path, chunk_chars: int = 900, overlap: int = 1) -> ParsedFile | Skipped:
    """:func:`parse_file`, with any failure turned into a :class:`Skipped` with its reason."""
    try:
        return parse_file(path, chunk_chars, overlap)
    except UnreadableFile as exc:
        return Skipped(exc.path, exc.reason)
    except Exception as exc:  # a parser bug on one odd file must not lose the others
        return Skipped(str(path), f"could not be parsed ({type(exc).__name__}: {exc})")
