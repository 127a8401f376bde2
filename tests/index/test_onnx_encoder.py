"""ONNX question embedding: the same vectors as torch fp32, one export per model kept in the cache
folder, a damaged or unwritable cache survived, and torch fp32 when ONNX cannot be used."""
import logging
from pathlib import Path

import numpy as np
import pytest

QUESTIONS = ["Which datasets were used to pre-train BiomedCLIP?", "Is it?", "word " * 400]  # the last one truncated


@pytest.fixture(scope="module")
def embedder():
    from index.embeddings import make_embedder

    return make_embedder()


def _encoder(embedder, cache_dir):
    from index.onnx_encoder import OnnxEncoder

    return OnnxEncoder(embedder._model, embedder._path, cache_dir)


def test_onnx_vectors_match_torch_fp32_for_short_long_and_batched_texts(embedder, tmp_path):
    exact = embedder.encode(QUESTIONS, "fp32")
    encoder = _encoder(embedder, tmp_path)
    assert np.allclose(encoder.encode(QUESTIONS), exact, atol=1e-4)
    assert np.allclose(np.stack([encoder.encode([q])[0] for q in QUESTIONS]), exact, atol=1e-4)


def test_the_graph_is_exported_once_and_then_read_from_the_cache(embedder, tmp_path, monkeypatch):
    import index.onnx_encoder as onnx_encoder

    first = _encoder(embedder, tmp_path).encode(QUESTIONS[:1])
    cached = list(tmp_path.glob("*.onnx"))
    assert len(cached) == 1 and not list(tmp_path.glob("*.tmp"))

    def no_export(model):
        raise AssertionError("exported again although the graph is cached")

    monkeypatch.setattr(onnx_encoder, "export_graph", no_export)
    assert np.allclose(_encoder(embedder, tmp_path).encode(QUESTIONS[:1]), first, atol=1e-6)


def test_a_damaged_cached_graph_is_exported_again(embedder, tmp_path, caplog):
    _encoder(embedder, tmp_path)
    (cached,) = tmp_path.glob("*.onnx")
    cached.write_bytes(b"half a graph")
    with caplog.at_level(logging.WARNING, logger="index.onnx_encoder"):
        vector = _encoder(embedder, tmp_path).encode(QUESTIONS[:1])
    assert "unreadable" in caplog.text
    assert np.allclose(vector, embedder.encode(QUESTIONS[:1]), atol=1e-4)
    assert cached.stat().st_size > 1_000_000  # replaced by a whole graph


def test_an_unwritable_cache_folder_keeps_the_graph_in_memory(embedder, tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="index.onnx_encoder"):
        vector = _encoder(embedder, blocked).encode(QUESTIONS[:1])
    assert "cannot keep the ONNX graph" in caplog.text
    assert np.allclose(vector, embedder.encode(QUESTIONS[:1]), atol=1e-4)


def test_the_cache_folder_follows_xdg_and_has_a_place_without_a_home(monkeypatch, tmp_path):
    import tempfile

    from index.onnx_encoder import default_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "surveyqa" / "onnx"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr("os.path.expanduser", lambda path: path)  # no home folder: "~" stays "~"
    assert default_cache_dir() == Path(tempfile.gettempdir()) / "surveyqa" / "onnx"


def test_only_a_transformer_mean_pooling_and_normalisation_are_exported(embedder):
    from index.onnx_encoder import check_exportable

    transformer, pooling, normalise = list(embedder._model)
    check_exportable([transformer, pooling, normalise])
    check_exportable([transformer, pooling])

    class Dense:  # a projection the graph would silently leave out
        pass

    class Pooling:
        pooling_mode = "cls"

    with pytest.raises(ValueError, match="Dense"):
        check_exportable([transformer, pooling, Dense()])
    with pytest.raises(ValueError, match="pooling cls"):
        check_exportable([transformer, Pooling(), normalise])


def test_questions_fall_back_to_torch_fp32_when_onnx_cannot_be_made(monkeypatch, caplog):
    import index.onnx_encoder as onnx_encoder
    from index.embeddings import SentenceEmbedder

    def broken(*args, **kwargs):
        raise RuntimeError("no exporter here")

    monkeypatch.setattr(onnx_encoder, "OnnxEncoder", broken)
    fresh = SentenceEmbedder()  # not the shared one: its ONNX encoder may already exist
    with caplog.at_level(logging.WARNING, logger="index.embeddings"):
        vectors = fresh.encode(QUESTIONS, "onnx")
        fresh.encode(QUESTIONS, "onnx")
    assert caplog.text.count("ONNX question embedding is unavailable (no exporter here)") == 1
    assert np.allclose(vectors, fresh.encode(QUESTIONS, "fp32"), atol=1e-6)


def test_auto_query_precision_is_onnx_when_onnx_runtime_imports_else_the_cpu_decides(monkeypatch):
    import index.onnx_encoder as onnx_encoder
    from index.precision import resolve_query_precision

    with_bf16, without = "flags\t: fpu avx512f avx512_bf16\n", "flags\t: fpu avx2\n"
    assert resolve_query_precision("auto", without) == "onnx"
    assert resolve_query_precision("int8", without) == "int8"
    monkeypatch.setattr(onnx_encoder, "onnx_available", lambda: False)
    assert resolve_query_precision("auto", with_bf16) == "bf16" and resolve_query_precision("auto", without) == "fp32"
