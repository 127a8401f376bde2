"""Milvus behind the retriever interface, on real milvus-lite: the same top-k as FAISS flat, one
collection per index version (filled aside then renamed, reused when complete, dropped once its
version folder is pruned), released on close."""
import fcntl
import gc
import shutil
import subprocess
import sys
import time
from contextlib import closing

import numpy as np
import pytest

from evaluation.gold import load_gold
from index import milvus as milvus_module
from core.manifest import shaping_settings
from index.build import build_index
from index.milvus import STALE_TEMP_SECONDS, TEMP, MilvusSearcher, collection_name
from index.retrieval import FaissSearcher, make_retriever
from index.store import KEEP_VERSIONS, load_index
from tests.conftest import DEV_GOLD

TIE = 1e-5
QUESTIONS = ["How much data was the Zorblax model trained on?", "What backbone does Quibble use?",
             "Which model generates radiology reports?", "segmentation foundation models for CT"]
HOLD_LITE = ("import sys; from milvus_lite import MilvusLite; db = MilvusLite(sys.argv[1]); "
             "print('ready', flush=True); sys.stdin.read()")


@pytest.fixture(autouse=True)
def no_milvus_lite_left_open():
    yield
    gc.collect()
    assert not milvus_module._lite_users, "a test left milvus-lite running"


@pytest.fixture
def settings(tiny_settings, tmp_path):
    """Milvus settings over a private copy of the tiny index (its milvus-lite folder goes there)."""
    shutil.copytree(tiny_settings.index_dir, tmp_path / "index")
    return tiny_settings.model_copy(update={"index_dir": tmp_path / "index", "vector_store": "milvus"})


@pytest.fixture
def store(settings):
    return load_index(settings.index_dir, shaping_settings(settings))


def lite_is_free(index_dir) -> bool:
    """True when no milvus-lite server holds the default folder's lock."""
    with (index_dir / "milvus.db" / "LOCK").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def assert_same_top_k(vectors, query, expected, got) -> None:
    """Same rows in the same order with close scores; rows may swap only when their exact scores tie."""
    (expected_scores, expected_rows), (got_scores, got_rows) = expected, got
    assert len(got_rows) == len(expected_rows)
    np.testing.assert_allclose(got_scores, expected_scores, atol=TIE)
    exact = vectors @ query
    assert np.all(np.abs(exact[got_rows] - exact[expected_rows]) < TIE), (expected_rows, got_rows)


@pytest.fixture(params=["faiss", "milvus"])
def searcher(request, store):
    with closing(FaissSearcher(store.dense) if request.param == "faiss" else MilvusSearcher(store)) as searcher:
        yield searcher


class TestSearcherContract:
    """What the retriever needs from any dense searcher."""

    def test_returns_the_nearest_rows_best_first(self, searcher, store):
        scores, rows = searcher.search(store.vectors[1], 3)
        assert rows.dtype == np.int64 and len(rows) == len(scores) == 3
        np.testing.assert_allclose(scores, store.vectors[rows] @ store.vectors[1], atol=TIE)  # inner products
        assert scores[0] == pytest.approx(1.0, abs=TIE)  # the row itself (or an identical one)
        assert np.all(np.diff(scores) <= TIE)

    def test_k_is_capped_by_the_number_of_rows(self, searcher, store):
        assert len(searcher.search(store.vectors[0], len(store.vectors) + 10)[1]) == len(store.vectors)
        assert len(searcher.search(store.vectors[0], 0)[1]) == 0


def test_milvus_top_k_equals_faiss_flat(settings, store):
    queries = np.vstack([store.vectors, np.random.default_rng(0).normal(size=(20, store.vectors.shape[1]))])
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    faiss, milvus = FaissSearcher(store.dense), make_retriever(settings, store)
    with closing(milvus):
        for query in queries:
            for k in (5, len(store.vectors)):
                assert_same_top_k(store.vectors, query, faiss.search(query, k), milvus.searcher.search(query, k))
        flat = make_retriever(settings.model_copy(update={"vector_store": "faiss"}), store)
        for question in QUESTIONS:
            for mode in ("dense", "hybrid"):
                expected, got = flat.search(question, 5, mode), milvus.search(question, 5, mode)
                assert [h.chunk.id for h in got] == [h.chunk.id for h in expected]
                np.testing.assert_allclose([h.score for h in got], [h.score for h in expected], atol=TIE)


def test_second_load_reuses_the_collection_without_inserting(store):
    with closing(MilvusSearcher(store)) as first:
        assert first.inserted == len(store.vectors)
    with closing(MilvusSearcher(store)) as second:
        assert second.name == first.name and second.inserted == 0
        assert second.client.get_collection_stats(second.name)["row_count"] == len(store.vectors)


def test_an_incomplete_collection_is_filled_again(store):
    with closing(MilvusSearcher(store)) as searcher:
        searcher.client.delete(searcher.name, ids=[0, 1])  # as if a sync had been interrupted
    with closing(MilvusSearcher(store)) as searcher:
        assert searcher.inserted == len(store.vectors)
        assert searcher.client.get_collection_stats(searcher.name)["row_count"] == len(store.vectors)


def rebuild_until_pruned(settings, version) -> None:
    """Rebuild until ``version``'s folder is pruned (versions made in the same second sort by their
    random suffix, so it may take more than ``KEEP_VERSIONS`` builds)."""
    for _ in range(KEEP_VERSIONS + 6):
        build_index([settings.corpus_dir], settings, rebuild=True)
        if not (settings.index_dir / version).exists():
            return
    raise AssertionError(f"{version} was never pruned")


def on_disk(settings) -> set[str]:
    """The collection names of the version folders on disk."""
    return {collection_name(settings.index_dir, p.name) for p in settings.index_dir.glob("v-*")}


def test_a_new_index_version_gets_a_new_collection_and_the_old_one_is_dropped_once_pruned(settings):
    with closing(make_retriever(settings)) as old:
        old_name, old_version = old.searcher.name, old.store.path.name
    build_index([settings.corpus_dir], settings, rebuild=True)
    with closing(make_retriever(settings)) as new:
        assert new.searcher.name != old_name and new.searcher.inserted == len(new.chunks)
        assert set(new.searcher.client.list_collections()) == {old_name, new.searcher.name}  # old one kept
    rebuild_until_pruned(settings, old_version)
    with closing(make_retriever(settings)) as newest:
        collections = set(newest.searcher.client.list_collections())
        assert old_name not in collections and newest.searcher.name in collections
        assert collections <= on_disk(settings)
    assert (settings.index_dir / "milvus.db").is_dir()  # at the index root, beside the pruned v-* folders


def test_a_query_on_the_old_retriever_still_works_after_a_rebuild_and_reload(settings):
    with closing(make_retriever(settings)) as old:
        assert old.search(QUESTIONS[0], 3, "dense")
        build_index([settings.corpus_dir], settings, rebuild=True)
        with closing(make_retriever(settings)) as new:  # what SurveyQA.reload does
            assert new.searcher.name != old.searcher.name
            assert old.search(QUESTIONS[0], 3, "dense") and new.search(QUESTIONS[0], 3, "dense")


def test_collections_of_pruned_versions_are_dropped(settings, store):
    with closing(MilvusSearcher(store)) as first:
        first_name = first.name
    rebuild_until_pruned(settings, store.path.name)
    with closing(make_retriever(settings)) as retriever:
        assert first_name not in retriever.searcher.client.list_collections()


def leave_temp(searcher, stamp: int) -> str:
    """A half-filled temp collection, as an interrupted sync leaves it."""
    temp = f"{searcher.prefix}{TEMP}{stamp}_interrupted"
    searcher.client.create_collection(temp, dimension=4)
    return temp


def test_an_interrupted_sync_does_not_break_the_next_open(store):
    with closing(MilvusSearcher(store)) as searcher:
        now = int(time.time())
        fresh, stale = leave_temp(searcher, now), leave_temp(searcher, now - STALE_TEMP_SECONDS - 1)
        searcher.client.drop_collection(searcher.name)  # interrupted before the rename
    with closing(MilvusSearcher(store)) as searcher:
        assert searcher.inserted == len(store.vectors)
        assert searcher.search(store.vectors[0], 3)[0][0] == pytest.approx(1.0, abs=TIE)
        collections = set(searcher.client.list_collections())
        assert collections == {fresh, searcher.name}  # the stale temp dropped; a fresh one may still be filling


def test_another_searcher_filling_the_same_version_first_wins(store, monkeypatch):
    """Losing the race to rename: our temp is dropped and the other's complete collection used."""
    with closing(MilvusSearcher(store)) as winner:
        fill = MilvusSearcher._fill_temp

        def fill_then_lose(self, vectors):
            temp = fill(self, vectors)
            self.client.rename_collection(fill(self, vectors), self.name)  # the other searcher renames first
            return temp

        winner.client.drop_collection(winner.name)
        monkeypatch.setattr(MilvusSearcher, "_fill_temp", fill_then_lose)
        with closing(MilvusSearcher(store)) as loser:
            assert loser.client.list_collections() == [loser.name]
            assert loser.client.get_collection_stats(loser.name)["row_count"] == len(store.vectors)


def test_index_folders_sharing_one_milvus_keep_their_own_collections(settings, tmp_path):
    shared = str(tmp_path / "shared.db")
    other = settings.model_copy(update={"index_dir": tmp_path / "other", "milvus_uri": shared})
    shutil.copytree(settings.index_dir, other.index_dir)
    with closing(make_retriever(settings.model_copy(update={"milvus_uri": shared}))) as first:
        with closing(make_retriever(other)) as second:
            assert first.searcher.name != second.searcher.name
            assert set(second.searcher.client.list_collections()) == {first.searcher.name, second.searcher.name}
            assert first.search(QUESTIONS[0], 3, "dense")


def test_closing_or_dropping_the_last_retriever_stops_milvus_lite(settings):
    first, second = make_retriever(settings), make_retriever(settings)
    first.close()
    assert not lite_is_free(settings.index_dir)
    assert second.search(QUESTIONS[0], 3, "dense")  # the shared server outlives the first retriever
    second.close()
    assert lite_is_free(settings.index_dir)
    dropped = make_retriever(settings)
    assert not lite_is_free(settings.index_dir)
    del dropped  # what SurveyQA.reload does
    gc.collect()
    assert lite_is_free(settings.index_dir)


def test_missing_pymilvus_names_the_extra(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    with pytest.raises(ImportError, match=r"pip install 'surveyqa\[milvus\]'"):
        make_retriever(settings)


def test_milvus_lite_held_by_another_process_is_a_clear_error(settings, store):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LITE, str(settings.index_dir / "milvus.db")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(RuntimeError, match="one process per folder"):
            MilvusSearcher(store)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.integration
def test_milvus_gives_the_same_top_k_as_faiss_flat_on_the_dev_set(corpus_settings, tmp_path):
    faiss = make_retriever(corpus_settings)
    assert faiss.store.manifest["settings"]["index_type"] == "flat"
    settings = corpus_settings.model_copy(update={"vector_store": "milvus", "milvus_uri": str(tmp_path / "milvus.db")})
    with closing(make_retriever(settings, faiss.store)) as milvus:
        for item in load_gold(DEV_GOLD):
            query = faiss.embedder.embed_query_vector(item.question)
            for k in (5, 20):
                assert_same_top_k(faiss.store.vectors, query, faiss.searcher.search(query, k), milvus.searcher.search(query, k))
            expected, got = faiss.search(item.question, 5, "hybrid"), milvus.search(item.question, 5, "hybrid")
            assert [h.chunk.id for h in got] == [h.chunk.id for h in expected], item.question
            np.testing.assert_allclose([h.score for h in got], [h.score for h in expected], atol=TIE)
