"""Incremental ingest: unchanged documents are not re-embedded; changed and removed ones are."""
import shutil

import numpy as np

from index.build import build_index
from index.encoding import is_whole_record
from index.store import load_index
from index.units import unit_spans


def _settings(tiny_settings, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_settings.corpus_dir, corpus)
    return tiny_settings.model_copy(update={"index_dir": tmp_path / "index", "corpus_dir": corpus}), corpus


def test_unchanged_corpus_embeds_nothing_and_writes_nothing(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    first = build_index([corpus], settings)
    assert first.written and first.embedded > 0 and sorted(first.added) == ["alpha-survey.txt", "beta-review.md"]
    again = build_index([corpus], settings)
    assert not again.written and again.embedded == 0
    assert sorted(again.unchanged) == ["alpha-survey.txt", "beta-review.md"]


def test_changed_document_re_embeds_only_its_chunks(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    build_index([corpus], settings)
    before = load_index(settings.index_dir)
    beta_chunks = sum(c.doc == "beta-review.md" for c in before.chunks)
    with (corpus / "alpha-survey.txt").open("a") as handle:
        handle.write("\n3. Outlook\n\nFuture work will scale Zorblax to MRI volumes.\n")
    report = build_index([corpus], settings)
    after = load_index(settings.index_dir)
    assert report.updated == ["alpha-survey.txt"] and report.unchanged == ["beta-review.md"]
    assert report.embedded == sum(c.doc == "alpha-survey.txt" for c in after.chunks)
    assert sum(c.doc == "beta-review.md" for c in after.chunks) == beta_chunks
    beta_before = before.vectors[[i for i, c in enumerate(before.chunks) if c.doc == "beta-review.md"]]
    beta_after = after.vectors[[i for i, c in enumerate(after.chunks) if c.doc == "beta-review.md"]]
    assert (beta_before == beta_after).all()
    assert (_unit_vectors_of(before, "beta-review.md") == _unit_vectors_of(after, "beta-review.md")).all()
    _assert_unit_vectors_match_their_units(after)


def _unit_vectors_of(store, doc: str) -> np.ndarray:
    return np.vstack([store.units_of_chunk(i) for i, c in enumerate(store.chunks) if c.doc == doc])


def _assert_unit_vectors_match_their_units(store):
    """Every chunk's stored unit vectors are, in order, its units' own embeddings, or with late chunking
    their vectors pooled from the chunk's pass where it can place them (up to bf16 rounding); without
    it, a record that is one unit holds its chunk's vector."""
    from index.embeddings import make_embedder

    embedder = make_embedder()
    late_chunking = store.manifest["unit_vectors"] == "late chunking"
    texts = {name: doc.text for name, doc in store.documents.items()}
    assert store.unit_offsets[0] == 0 and store.unit_offsets[-1] == len(store.unit_vectors)
    for position, chunk in enumerate(store.chunks):
        spans = unit_spans(chunk, texts[chunk.doc])
        stored = store.units_of_chunk(position)
        assert len(stored) == len(spans), chunk.id
        if spans:
            expected = embedder.encode([t for t, _ in spans])
            if late_chunking:
                [late] = embedder.encode_late([(chunk.search_text(), tuple(s for _, s in spans))])
                expected = np.where(np.isnan(late[1:]), expected, late[1:])
            elif is_whole_record(chunk, spans):
                expected = embedder.encode([chunk.search_text()])
            assert _cosines(expected, stored).min() > 0.999, chunk.id


def test_a_record_that_is_one_unit_shares_its_chunks_vector_and_is_not_embedded_again(tiny_settings, tmp_path):
    from index.embeddings import make_embedder

    class Counting:
        """The embedder, noting the texts it is asked to embed."""

        def __init__(self):
            self.embedder, self.texts = make_embedder(), []

        def encode(self, texts, precision="fp32"):
            self.texts.extend(texts)
            return self.embedder.encode(texts, precision=precision)

    settings, corpus = _settings(tiny_settings, tmp_path)
    counting = Counting()
    build_index([corpus], settings, embedder=counting)
    store = load_index(settings.index_dir)
    texts = {name: doc.text for name, doc in store.documents.items()}
    spans = [unit_spans(c, texts[c.doc]) for c in store.chunks]
    whole = [p for p, c in enumerate(store.chunks) if is_whole_record(c, spans[p])]
    assert {store.chunks[p].kind for p in whole} == {"reference", "table-row"}
    assert not any(store.chunks[p].kind == "text" for p in whole)  # a one-sentence paragraph keeps its own pass
    for position in whole:
        assert (store.units_of_chunk(position)[0] == store.vectors[position]).all()
    embedded_units = set(counting.texts) - {c.search_text() for c in store.chunks}
    others = {text for p, unit_spans_of in enumerate(spans) if p not in whole for text, _ in unit_spans_of}
    assert embedded_units == others


def test_late_chunking_stores_unit_vectors_pooled_from_the_chunks_pass(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    build_index([corpus], settings.model_copy(update={"late_chunking": True}))
    store = load_index(settings.index_dir)
    assert store.manifest["unit_vectors"] == "late chunking"
    _assert_unit_vectors_match_their_units(store)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two matrices of unit vectors."""
    return np.einsum("ij,ij->i", a, b)


def test_deleted_file_is_removed_from_the_index(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    build_index([corpus], settings)
    (corpus / "beta-review.md").unlink()
    report = build_index([corpus], settings)
    assert report.removed == ["beta-review.md"]
    assert {c.doc for c in load_index(settings.index_dir).chunks} == {"alpha-survey.txt"}


def test_explicit_removal_and_adding_a_single_file(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    build_index([corpus / "alpha-survey.txt"], settings)
    report = build_index([corpus / "beta-review.md"], settings)
    assert report.added == ["beta-review.md"] and report.unchanged == []
    assert {c.doc for c in load_index(settings.index_dir).chunks} == {"alpha-survey.txt", "beta-review.md"}
    build_index([], settings, remove=["alpha-survey.txt"])
    assert {c.doc for c in load_index(settings.index_dir).chunks} == {"beta-review.md"}


def test_bad_file_is_skipped_and_the_rest_is_indexed(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated garbage")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    (corpus / "empty.md").write_text("")
    report = build_index([corpus], settings)
    reasons = {s.path.split("/")[-1]: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.pdf", "latin1.txt", "empty.md"}
    assert "UTF-8" in reasons["latin1.txt"] and "empty" in reasons["empty.md"]
    assert sorted(report.added) == ["alpha-survey.txt", "beta-review.md"]


def test_each_stored_vector_is_the_embedding_of_its_own_chunk(tiny_settings):
    from index.embeddings import make_embedder

    store = load_index(tiny_settings.index_dir)
    fresh = make_embedder().encode([c.search_text() for c in store.chunks])
    assert _cosines(store.vectors, fresh).min() > 0.999  # bf16 on CPUs that have it, else equal


def test_two_files_with_the_same_name_are_not_silently_merged(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    (corpus / "a").mkdir()
    (corpus / "b").mkdir()
    (corpus / "a" / "intro.txt").write_text("Intro A\n\n1. Part\n\nThe first intro text is here.\n")
    (corpus / "b" / "intro.txt").write_text("Intro B\n\n1. Part\n\nThe second intro text is here.\n")
    report = build_index([corpus], settings)
    assert report.added.count("intro.txt") == 1
    assert any("another file named intro.txt" in s.reason for s in report.skipped)


def test_removing_the_last_document_is_refused_and_the_index_kept(tiny_settings, tmp_path):
    settings, corpus = _settings(tiny_settings, tmp_path)
    build_index([corpus / "alpha-survey.txt"], settings)
    report = build_index([], settings, remove=["alpha-survey.txt"])
    assert report.removed == [] and "empty" in report.note and not report.written
    assert {c.doc for c in load_index(settings.index_dir).chunks} == {"alpha-survey.txt"}


def test_an_index_from_an_older_tokenizer_is_retokenized_without_losing_or_re_embedding(tiny_settings, tmp_path):
    import json

    from index.store import current_version
    from core.manifest import TOKENIZER_VERSION

    settings, corpus = _settings(tiny_settings, tmp_path)
    extra = tmp_path / "elsewhere" / "gamma.txt"
    extra.parent.mkdir()
    extra.write_text("Gamma Notes\n\n1. Intro\n\nThe Wibble model segments kidneys in CT.\n", encoding="utf-8")
    build_index([corpus, extra], settings)
    manifest_path = current_version(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["tokenizer_version"]  # as written before the tokenizer was versioned
    manifest_path.write_text(json.dumps(manifest))

    report = build_index([corpus], settings)  # the other folder is not named this time
    assert report.written and report.embedded == 0 and not report.removed
    store = load_index(settings.index_dir)  # loads: BM25 rebuilt with this tokenizer
    assert store.manifest["tokenizer_version"] == TOKENIZER_VERSION
    assert sorted(store.documents) == ["alpha-survey.txt", "beta-review.md", "gamma.txt"]
