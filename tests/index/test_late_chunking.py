"""One transformer pass per chunk: its vector, and its units' vectors pooled from the same token states."""
import numpy as np
import pytest

from index.embeddings import make_embedder
from index.precision import cpu_has_bf16, resolve_precision
from index.units import unit_spans
from ingest.records import Chunk

TEXT = "Cats purr when they are content and warm. The stock market fell sharply after the bank raised rates."


@pytest.fixture(scope="module")
def embedder():
    return make_embedder()


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def test_the_chunk_row_is_the_models_own_embedding_of_the_chunk(embedder):
    texts = [TEXT, "A second, shorter chunk about CT scans."]
    rows = embedder.encode_late([(t, ()) for t in texts])
    assert np.abs(np.vstack([r[0] for r in rows]) - embedder.encode(texts)).max() < 1e-5


def test_a_unit_vector_is_a_unit_length_pooling_of_its_own_span(embedder):
    second = "The stock market fell sharply after the bank raised rates."
    [row] = embedder.encode_late([(TEXT, (_span(TEXT, "Cats purr when they are content and warm."), _span(TEXT, second)))])
    assert row.shape == (3, embedder.dimension)
    assert np.allclose(np.linalg.norm(row, axis=1), 1.0, atol=1e-5)
    own = embedder.encode(["Cats purr when they are content and warm.", second])
    assert row[2] @ own[1] > row[2] @ own[0] and row[1] @ own[0] > row[1] @ own[1]


def test_leading_whitespace_does_not_shift_the_spans(embedder):
    [plain] = embedder.encode_late([(TEXT, (_span(TEXT, "stock market"),))])
    [padded] = embedder.encode_late([("  \n" + TEXT, (_span("  \n" + TEXT, "stock market"),))])
    assert np.abs(plain - padded).max() < 1e-5


def test_a_span_the_window_cuts_off_or_without_a_place_gets_no_vector(embedder):
    long = " ".join(f"word{i}" for i in range(600)) + " The closing sentence is here."
    [row] = embedder.encode_late([(long, (_span(long, "word1 word2"), _span(long, "The closing sentence is here."), None))])
    assert not np.isnan(row[1]).any()
    assert np.isnan(row[2]).all() and np.isnan(row[3]).all()


def test_bf16_vectors_agree_with_fp32(embedder):
    fp32 = embedder.encode([TEXT])
    bf16 = embedder.encode([TEXT], precision="bf16")
    assert bf16.dtype == np.float32 and float(fp32[0] @ bf16[0]) > 0.999
    assert abs(float(np.linalg.norm(bf16[0])) - 1.0) < 1e-5


def test_unit_spans_find_each_units_body_in_the_search_text_whatever_the_line_breaks():
    body = "MedSAM adapts the Segment Anything\nmodel to medical images. It was trained on 1.5 million\nmasks from many sites."
    doc = "Preface. " + body
    chunk = Chunk(id="c", doc="d.txt", doc_title="A Survey", section=["2 Models"], kind="text", text=body,
                  start=9, end=9 + len(body), line_start=1, line_end=3)
    spans = unit_spans(chunk, doc)
    search_text = chunk.search_text()
    assert [t for t, _ in spans] == ["MedSAM adapts the Segment Anything model to medical images.",
                                     "It was trained on 1.5 million masks from many sites."]
    for text, (start, end) in spans:
        assert " ".join(search_text[start:end].split()) == text


def test_bf16_is_chosen_from_the_cpu_flags_unless_a_precision_is_set():
    with_bf16 = "processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 amx_tile\n"
    without = "processor\t: 0\nflags\t\t: fpu sse2 avx2\nbugs\t\t: avx512_bf16\n"
    assert cpu_has_bf16(with_bf16) and not cpu_has_bf16(without)
    assert resolve_precision("auto", with_bf16) == "bf16" and resolve_precision("auto", without) == "fp32"
    assert resolve_precision("fp32", with_bf16) == "fp32" and resolve_precision("bf16", without) == "bf16"
