"""The index directory: round trip, atomic versions, refusal of corrupt or mismatched indexes."""
import json
import shutil

import pytest

from core.manifest import shaping_settings
from index.build import build_index
from index.store import IndexCorrupt, IndexMismatch, IndexMissing, current_version, load_index


def test_round_trip_keeps_chunks_vectors_and_documents(tiny_settings):
    store = load_index(tiny_settings.index_dir, shaping_settings(tiny_settings))
    assert {c.doc for c in store.chunks} == {"alpha-survey.txt", "beta-review.md"}
    assert len(store.chunks) == len(store.vectors) == store.dense.ntotal
    for chunk in store.chunks:
        text = store.documents[chunk.doc].text
        assert 0 <= chunk.start < chunk.end <= len(text)
    manifest = store.manifest
    assert manifest["embedding_model"] == "all-MiniLM-L6-v2" and manifest["dimension"] == 384
    assert set(manifest["documents"]) == {"alpha-survey.txt", "beta-review.md"}
    assert all(len(digest) == 64 for digest in manifest["files"].values())


def test_index_is_readable_without_pickles(tiny_settings):
    folder = current_version(tiny_settings.index_dir)
    names = {p.name for p in folder.rglob("*") if p.is_file()}
    assert {"manifest.json", "chunks.jsonl", "documents.jsonl", "vectors.npy", "dense.faiss"} <= names
    assert not any(name.endswith((".pkl", ".pickle")) for name in names)
    first = json.loads((folder / "chunks.jsonl").read_text().splitlines()[0])
    assert {"id", "doc", "doc_title", "section", "kind", "start", "end", "line_start", "line_end"} <= set(first)


@pytest.fixture
def copied_index(tiny_settings, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(tiny_settings.index_dir, target)
    return target


def test_missing_index_is_reported(tmp_path):
    with pytest.raises(IndexMissing, match="surveyqa ingest"):
        load_index(tmp_path / "nothing")


def test_tampered_file_is_refused(copied_index, tiny_settings):
    folder = current_version(copied_index)
    with (folder / "chunks.jsonl").open("a") as handle:
        handle.write('{"id": "evil"}\n')
    with pytest.raises(IndexCorrupt, match="checksum"):
        load_index(copied_index, shaping_settings(tiny_settings))


def test_truncated_vectors_are_refused(copied_index):
    folder = current_version(copied_index)
    data = (folder / "vectors.npy").read_bytes()
    (folder / "vectors.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorrupt):
        load_index(copied_index)


def test_truncated_vectors_are_refused_even_without_checksums(copied_index):
    folder = current_version(copied_index)
    data = (folder / "vectors.npy").read_bytes()
    (folder / "vectors.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorrupt, match="cannot be read|inconsistent"):
        load_index(copied_index, verify=False)


def test_dangling_pointer_is_refused(copied_index):
    (copied_index / "CURRENT").write_text("v-does-not-exist")
    with pytest.raises(IndexCorrupt, match="does not exist"):
        load_index(copied_index)


def test_settings_mismatch_is_refused(tiny_settings):
    other = tiny_settings.model_copy(update={"chunk_chars": 400})
    with pytest.raises(IndexMismatch, match="chunk_chars"):
        load_index(tiny_settings.index_dir, shaping_settings(other))


def test_an_index_tokenized_by_another_version_is_refused(copied_index, monkeypatch):
    from index import store

    monkeypatch.setattr(store, "TOKENIZER_VERSION", store.TOKENIZER_VERSION + "-next")
    with pytest.raises(IndexMismatch, match="another SurveyQA version"):
        load_index(copied_index, verify=False)


def test_an_index_with_another_unit_cutting_is_refused(copied_index, monkeypatch):
    from index import store

    monkeypatch.setattr(store, "UNITS_VERSION", store.UNITS_VERSION + "-next")
    with pytest.raises(IndexMismatch, match="another SurveyQA version"):
        load_index(copied_index, verify=False)


def test_unit_ranges_that_do_not_fit_the_chunks_are_refused(copied_index):
    import numpy as np

    folder = current_version(copied_index)
    offsets = np.load(folder / "unit_offsets.npy")
    np.save(folder / "unit_offsets.npy", offsets[:-1], allow_pickle=False)  # one chunk's range lost
    with pytest.raises(IndexCorrupt, match="unit ranges"):
        load_index(copied_index, verify=False)


def test_leftover_temp_folder_from_a_crash_does_not_break_loading(copied_index, tiny_settings):
    stale = copied_index / ".tmp-v-crashed"
    stale.mkdir()
    (stale / "chunks.jsonl").write_text("half a line")
    store = load_index(copied_index, shaping_settings(tiny_settings))
    assert store.chunks


def test_a_new_version_replaces_the_old_one_atomically(tmp_path, tiny_settings):
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index"})
    build_index([tiny_settings.corpus_dir], settings)
    first = current_version(settings.index_dir)
    build_index([tiny_settings.corpus_dir], settings, rebuild=True)
    second = current_version(settings.index_dir)
    assert first != second
    assert not list(settings.index_dir.glob(".tmp-*"))
    assert len(list(settings.index_dir.glob("v-*"))) <= 2


def _edit_manifest(index_dir, edit):
    path = current_version(index_dir) / "manifest.json"
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))


@pytest.mark.parametrize("edit, message", [
    (lambda m: [], "not a JSON object"),
    (lambda m: {k: v for k, v in m.items() if k != "files"}, "lacks a valid 'files'"),
    (lambda m: {**m, "files": {n: d for n, d in m["files"].items() if n != "vectors.npy"}}, "vectors.npy has no checksum"),
    (lambda m: {**m, "settings": None}, "lacks a valid 'settings'"),
])
def test_a_manifest_of_the_wrong_shape_or_without_checksums_is_refused(copied_index, edit, message):
    _edit_manifest(copied_index, edit)
    with pytest.raises(IndexCorrupt, match=message):
        load_index(copied_index)


@pytest.mark.parametrize("pointer", ["absolute", "../elsewhere/v-1", "..", "v-1/../../elsewhere"])
def test_current_must_name_a_version_folder_inside_the_index(copied_index, tmp_path, pointer):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(copied_index, elsewhere)
    shutil.copytree(current_version(elsewhere), elsewhere / "v-1")
    (copied_index / "CURRENT").write_text(str(current_version(elsewhere)) if pointer == "absolute" else pointer)
    with pytest.raises(IndexCorrupt, match="not the name of a version folder"):
        load_index(copied_index)
