"""What an index records about how it was made: the versions of its file format, chunker, BM25
tokenizer and answer-unit cutting, and the settings that shape it. An index whose record differs
from the running code and settings is refused on load, never silently mixed.

Bump a version whenever the thing it names changes what ends up on disk."""
from __future__ import annotations

FORMAT_VERSION = 2  # files of an index version and their layout
CHUNKER_VERSION = "6"  # how documents are cut into chunks (part of every chunk id)
TOKENIZER_VERSION = "2"  # the BM25 tokenizer: BM25 built with another tokenizer is refused
UNITS_VERSION = "1"  # how chunks are cut into answer units

SHAPING_FIELDS = ("chunk_chars", "chunk_overlap_sentences", "embedding_model", "index_type")
INDEX_TYPE_FIELDS = {"hnsw": ("hnsw_m",), "ivf": ("ivf_nlist",)}  # shape only that FAISS index type


def shaping_settings(settings) -> dict[str, str]:
    """The settings an index built now would be shaped by, as recorded in its manifest."""
    names = SHAPING_FIELDS + INDEX_TYPE_FIELDS.get(settings.index_type, ())
    return {name: str(getattr(settings, name)) for name in names}
