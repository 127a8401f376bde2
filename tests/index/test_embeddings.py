"""Loading the embedder: quiet (no transformers 'Loading weights' bar on stderr), safetensors only."""
import os


def test_loading_the_embedder_prints_no_weights_bar(capfd):
    from transformers.utils import logging as transformers_logging

    from index.embeddings import SentenceEmbedder

    transformers_logging.enable_progress_bar()  # as in a fresh process
    SentenceEmbedder()
    assert "Loading weights" not in capfd.readouterr().err


def test_an_embedding_model_with_a_pickled_submodule_is_refused_by_name(tmp_path):
    import shutil

    import pytest
    from typer.testing import CliRunner

    from index.embeddings import make_embedder, resolve_model_path
    from index.weights import PickledWeights
    from cli.main import app

    folder = tmp_path / "model"
    shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), folder, copy_function=os.symlink)
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "pytorch_model.bin").write_bytes(b"\x80\x04N.")  # a pickle of None
    with pytest.raises(PickledWeights, match=r"2_Dense/pytorch_model\.bin holds pickled \.bin weights"):
        make_embedder(str(folder))
    (tmp_path / "doc.txt").write_text("A short document.\n")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "doc.txt"), "--index", str(tmp_path / "index")],
                                env={"SURVEYQA_EMBEDDING_MODEL": str(folder), "COLUMNS": "400"})
    assert result.exit_code == 2 and "pytorch_model.bin" in result.output and result.exception.__class__ is SystemExit


def test_query_threads_hold_torch_and_faiss_to_that_many_threads_and_0_leaves_them():
    import faiss
    import torch

    from index.embeddings import set_query_threads

    before = torch.get_num_threads(), faiss.omp_get_max_threads()
    try:
        set_query_threads(1)
        assert (torch.get_num_threads(), faiss.omp_get_max_threads()) == (1, 1)
        torch.set_num_threads(before[0])
        faiss.omp_set_num_threads(before[1])
        set_query_threads(0)
        assert (torch.get_num_threads(), faiss.omp_get_max_threads()) == before
    finally:
        torch.set_num_threads(before[0])
        faiss.omp_set_num_threads(before[1])


def test_questions_embed_in_the_precision_asked_and_documents_stay_fp32():
    import numpy as np

    from index.embeddings import make_embedder

    embedder = make_embedder()
    embedder.forget_queries()  # the embedder is shared in this process
    questions = ["Which datasets were used to pre-train BiomedCLIP?", "How many image-text pairs does PMC-15M hold?"]
    exact = embedder.encode(questions)
    precisions = ("fp32", "onnx", "bf16", "int8")
    by_precision = {p: np.stack([embedder.embed_query_vector(q, p) for q in questions]) for p in precisions}
    cosine = {p: (v * exact).sum(axis=1) for p, v in by_precision.items()}
    assert np.allclose(cosine["fp32"], 1.0, atol=1e-5)
    assert np.allclose(by_precision["onnx"], exact, atol=1e-4)  # another runtime, the same model in fp32
    assert (cosine["bf16"] > 0.999).all()
    assert (cosine["int8"] > 0.8).all() and (cosine["int8"] < 0.9999).all()  # a near, quantised copy
    assert np.allclose(np.linalg.norm(by_precision["int8"], axis=1), 1.0, atol=1e-5)
    assert np.allclose(embedder.encode(questions), exact, atol=1e-6)  # the int8 copy leaves the model as it was
    assert embedder._query_cache.cache_info().currsize == 8  # each question once per precision
    embedder.forget_queries()
    assert embedder._query_cache.cache_info().currsize == 0
