"""Loading the embedder is quiet: no transformers 'Loading weights' bar on stderr."""


def test_loading_the_embedder_prints_no_weights_bar(capfd):
    from transformers.utils import logging as transformers_logging

    from index.embeddings import SentenceEmbedder

    transformers_logging.enable_progress_bar()  # as in a fresh process
    SentenceEmbedder()
    assert "Loading weights" not in capfd.readouterr().err
