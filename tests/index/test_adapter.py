"""The query adapter: fitted to pull questions toward their evidence, kept near the identity by
its strength, stored without pickle and checked against the embedder, applied by dense search."""
import numpy as np
import pytest

from index.adapter import AdapterError, Example, QueryAdapter, fit_matrix, load_adapter, save_adapter
from index.retrieval import make_retriever

DIM = 8


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _examples(rng, n):
    """Questions whose evidence is the question with two coordinates swapped (an 'answer' looks
    unlike its question), among distractors that look like the question itself."""
    swap = np.eye(DIM)[[1, 0, *range(2, DIM)]]
    out = []
    for _ in range(n):
        q = _unit(rng.normal(size=DIM) + np.array([3.0, 0, 0, 0, 0, 0, 0, 0]))
        answer = _unit(swap @ q + 0.05 * rng.normal(size=DIM))
        lookalikes = _unit(q + 0.3 * rng.normal(size=(4, DIM)))
        out.append(Example(q.astype(np.float32), np.vstack([answer, lookalikes]).astype(np.float32),
                           np.array([True, False, False, False, False])))
    return out


def _recall_at_1(examples, matrix):
    return np.mean([np.argmax(e.passages @ QueryAdapter(matrix, {})(e.question)) == 0 for e in examples])


def test_a_fitted_adapter_ranks_held_out_evidence_above_lookalikes():
    rng = np.random.default_rng(0)
    train, held_out = _examples(rng, 60), _examples(rng, 40)
    assert _recall_at_1(held_out, np.eye(DIM)) < 0.2
    assert _recall_at_1(held_out, fit_matrix(train, strength=1e-3, steps=200, learning_rate=0.05)) > 0.9


def test_a_strong_pull_keeps_the_matrix_near_the_identity():
    examples = _examples(np.random.default_rng(1), 30)
    weak = fit_matrix(examples, strength=1e-3, steps=100, learning_rate=0.05)
    strong = fit_matrix(examples, strength=100.0, steps=100, learning_rate=0.05)
    assert np.abs(strong - np.eye(DIM)).max() < 0.05 < np.abs(weak - np.eye(DIM)).max()


def test_saved_adapter_loads_for_its_model_only(tmp_path):
    path = tmp_path / "adapter.npy"
    save_adapter(path, QueryAdapter(np.eye(DIM) * 2, {"model": "all-MiniLM-L6-v2", "strength": 0.1}))
    loaded = load_adapter(path, "all-MiniLM-L6-v2", DIM)
    assert loaded.card["strength"] == 0.1
    assert np.allclose(loaded(np.ones(DIM, np.float32)), np.ones(DIM) / np.sqrt(DIM))
    with pytest.raises(AdapterError, match="fitted for embedding model 'all-MiniLM-L6-v2', not 'other-model'"):
        load_adapter(path, "other-model", DIM)
    with pytest.raises(AdapterError, match=r"\(8, 8\) matrix; the embedder needs a finite 16x16"):
        load_adapter(path, "all-MiniLM-L6-v2", 16)


def test_a_pickled_or_missing_adapter_is_refused(tmp_path):
    path = tmp_path / "adapter.npy"
    np.save(path, np.array([{"payload": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "adapter.json").write_text('{"model": "all-MiniLM-L6-v2"}')
    with pytest.raises(AdapterError, match="cannot be read"):
        load_adapter(path, "all-MiniLM-L6-v2", DIM)
    with pytest.raises(AdapterError, match="set query_adapter to ''"):
        load_adapter(tmp_path / "missing.npy", "all-MiniLM-L6-v2", DIM)


def test_dense_search_uses_the_adapter_and_the_index_is_untouched(tiny_settings, tmp_path):
    question = "How much data was the Zorblax model trained on?"
    plain = make_retriever(tiny_settings.model_copy(update={"query_adapter": None}))
    dim = plain.store.vectors.shape[1]
    flip = np.eye(dim, dtype=np.float32) * -1.0  # maps every question to its opposite
    save_adapter(tmp_path / "flip.npy", QueryAdapter(flip, {"model": tiny_settings.embedding_model}))
    flipped = make_retriever(tiny_settings.model_copy(update={"query_adapter": tmp_path / "flip.npy"}))
    vector = plain.analyse(question).search_vector
    assert np.allclose(flipped.analyse(question).search_vector, -vector, atol=1e-6)
    best, worst = plain.search(question, k=len(plain.chunks), mode="dense"), flipped.search(question, k=len(plain.chunks), mode="dense")
    assert [h.chunk.id for h in worst] == [h.chunk.id for h in reversed(best)]
    assert np.array_equal(plain.store.vectors, flipped.store.vectors)
