"""The Ray engine gives exactly the local engine's results: same chunks, the same vectors, the
same answers, and never waits for a free CPU. Real Ray: one local two-CPU cluster for most of the
module, started by the engine itself; the tests of starting and shutting down start their own."""
from __future__ import annotations

import json
import operator
import os
import shutil
import sys
import threading
from dataclasses import asdict
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from surveyqa.batch import run_batch
from surveyqa.service import SurveyQA
from evaluation.gold import load_gold
from index.build import build_index
from index.store import load_index
from cli.main import app
from core.engines import EngineUnavailable, RayEngine, make_engine, start_ray
from tests.conftest import CORPUS, DEV_GOLD
from tests.matching import assert_records_match

MINI = Path(__file__).parent / "data" / "ingest_mini"
QUESTIONS = [
    {"id": "z1", "question": "How many CT slices was the Zorblax model trained on?"},
    {"id": "z2", "question": "Which backbone does Quibble use?"},
    {"id": "long", "question": "why " * 12_500},
    {"id": "z3", "question": "Who wrote Glimmer?"},
    {"question": "no id"},
    {"id": "z4", "question": "What is Quibble?"},
]


@pytest.fixture(scope="module")
def ray_engine():
    """A Ray engine that started (and at the end shuts down) its own local Ray; every other engine
    made while it runs (by ``build_index``, ``run_batch``, the CLI) reuses that Ray."""
    import ray

    with RayEngine(num_cpus=2) as engine:
        assert list(engine.map(partial(partial, operator.mul, 2), range(9))) == [0, 2, 4, 6, 8, 10, 12, 14, 16]
        yield engine
    assert not ray.is_initialized()


def test_a_ray_that_cannot_start_is_retried_then_named(monkeypatch):
    import ray

    monkeypatch.setenv("RAY_gcs_server_port_wait_time_s", "0")  # every start times out
    with pytest.raises(EngineUnavailable, match="could not start a local Ray after two tries .*Timed out"):
        start_ray(num_cpus=2)
    assert not ray.is_initialized()


def _in_threads(calls, timeout=120):
    """The results of ``calls``, run at once in threads; fails (rather than hangs) past ``timeout``."""
    results: dict = {}
    threads = [threading.Thread(target=lambda n=n, call=call: results.update({n: call()}), daemon=True)
               for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert len(results) == len(calls), f"stalled: {len(calls) - len(results)} of {len(calls)} calls unfinished"
    return [results[n] for n in range(len(calls))]


def _doubled(engine, items=range(6)):
    return list(engine.map(partial(partial, operator.mul, 2), items))


def test_engines_share_the_ray_they_start_and_the_last_to_close_shuts_it_down():
    import ray

    assert not ray.is_initialized()
    one, two = RayEngine(num_cpus=2), RayEngine(num_cpus=2)
    assert _in_threads([partial(_doubled, one), partial(_doubled, two)]) == [[0, 2, 4, 6, 8, 10]] * 2  # one start
    one.close()
    assert ray.is_initialized() and _doubled(two) == [0, 2, 4, 6, 8, 10]
    two.close()
    assert not ray.is_initialized()


def test_a_ray_started_by_someone_else_is_never_shut_down():
    import ray

    start_ray(num_cpus=1)
    try:
        with RayEngine() as engine:
            assert _doubled(engine) == [0, 2, 4, 6, 8, 10]
        assert ray.is_initialized()
    finally:
        ray.shutdown()


class _Busy:
    def ready(self):
        return True


def test_busy_cpus_do_not_stall_concurrent_engines(ray_engine):
    import ray

    busy = ray.remote(num_cpus=2)(_Busy).remote()  # another job holding every CPU of the cluster
    ray.get(busy.ready.remote())
    try:
        with RayEngine() as one, RayEngine() as two:
            assert _in_threads([partial(_doubled, one), partial(_doubled, two, range(9))], timeout=60) == [
                [0, 2, 4, 6, 8, 10], [0, 2, 4, 6, 8, 10, 12, 14, 16]]
    finally:
        ray.kill(busy)


def _ray(settings):
    return settings.model_copy(update={"engine": "ray"})


def _same_index(ray_dir: Path, local_dir: Path) -> None:
    ray_index, local_index = load_index(ray_dir), load_index(local_dir)
    assert [asdict(c) for c in ray_index.chunks] == [asdict(c) for c in local_index.chunks]
    assert [asdict(d) for d in ray_index.documents.values()] == [asdict(d) for d in local_index.documents.values()]
    assert np.allclose(ray_index.vectors, local_index.vectors, atol=1e-5)


def test_map_keeps_item_order_across_actors_in_the_drivers_directory(ray_engine):
    items = list(range(25))
    assert list(ray_engine.map(partial(partial, operator.add, 100), items, here=abs)) == [100 + i for i in items]
    assert list(ray_engine.map(partial(partial, operator.add, 1), [])) == []
    assert list(ray_engine.map(partial(partial, os.path.abspath), ["index"])) == [os.path.abspath("index")]


def test_ingest_on_ray_matches_local_and_skips_bad_files(ray_engine, tiny_settings, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(MINI, corpus)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated garbage")
    (corpus / "binary.txt").write_bytes(b"\x00\x01binary")
    monkeypatch.setenv("SURVEYQA_EMBEDDING_BATCH_SIZE", "4")  # several batches, dealt over both actors
    local = tiny_settings.model_copy(update={"index_dir": tmp_path / "local", "embedding_batch_size": 4})
    expected = asdict(build_index([corpus], local))
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--index", str(tmp_path / "ray"), "--json",
                                      "--engine", "ray", "--ray-address", ""])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("added", "skipped", "chunks_per_doc", "chunks_by_kind", "embedded"):
        assert report[key] == expected[key], key
    assert {Path(s["path"]).name for s in report["skipped"]} == {"broken.pdf", "binary.txt"}
    assert report["embedded"] > 8 * 4
    _same_index(tmp_path / "ray", local.index_dir)


def _answers(path: Path) -> list[dict]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [{k: v for k, v in r.items() if k != "latency_ms"} for r in records]


def test_batch_on_ray_matches_local_and_resumes(ray_engine, tiny_settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    run_batch(SurveyQA(tiny_settings), questions, tmp_path / "local.jsonl", k=3)
    out, ticks = tmp_path / "ray.jsonl", []
    summary = run_batch(SurveyQA(_ray(tiny_settings)), questions, out, k=3, progress=lambda *tick: ticks.append(tick),
                        engine=ray_engine)
    expected = _answers(tmp_path / "local.jsonl")
    assert_records_match(_answers(out), expected)
    assert [r["id"] for r in expected] == ["z1", "z2", "long", "z3", "line-5", "z4"]
    assert "QuestionError" in expected[2]["error"] and "missing 'id'" in expected[4]["error"]
    assert ticks == [(n, 6) for n in range(7)]
    assert (summary.total, summary.errors, summary.answered + summary.abstained) == (6, 2, 4)

    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:2]) + lines[2][:40], encoding="utf-8")  # killed mid-write
    result = CliRunner().invoke(app, ["batch", str(questions), "--out", str(out), "-k", "3",
                                      "--index", str(tiny_settings.index_dir), "--engine", "ray"])
    assert result.exit_code == 0, result.output
    assert "repaired" in result.output and "6 questions: 2 already done" in result.stdout
    assert_records_match(_answers(out), expected)


def test_missing_ray_names_the_extra(tiny_settings, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(EngineUnavailable, match=r"pip install 'surveyqa\[ray\]'"):
        make_engine(_ray(tiny_settings))
    assert type(make_engine(tiny_settings)).__name__ == "LocalEngine"
    result = CliRunner().invoke(app, ["ingest", str(tiny_settings.corpus_dir), "--index", str(tmp_path / "i"),
                                      "--engine", "ray"])
    assert result.exit_code == 2 and "pip install 'surveyqa[ray]'" in " ".join(result.output.split())


def test_batch_on_ray_refuses_embedded_milvus_lite_before_writing(tiny_settings, tmp_path):
    questions, out = tmp_path / "q.txt", tmp_path / "out" / "a.jsonl"
    questions.write_text("What is Quibble?\n", encoding="utf-8")
    for uri in ("", str(tmp_path / "milvus.db")):
        settings = _ray(tiny_settings).model_copy(update={"vector_store": "milvus", "milvus_uri": uri})
        with pytest.raises(EngineUnavailable, match="use vector_store faiss or a Milvus server URI"), \
                RayEngine() as engine:  # connects on first use, so never here
            run_batch(SurveyQA(settings), questions, out, engine=engine)
    assert not out.parent.exists()


@pytest.mark.integration
def test_ray_index_of_the_corpus_gives_the_local_top_k_on_the_dev_set(ray_engine, corpus_settings, tmp_path):
    on_ray = _ray(corpus_settings.model_copy(update={"index_dir": tmp_path / "index"}))
    build_index([CORPUS], on_ray, engine=ray_engine)
    _same_index(on_ray.index_dir, corpus_settings.index_dir)
    local, remote = SurveyQA(corpus_settings), SurveyQA(on_ray)
    for item in load_gold(DEV_GOLD):
        for mode in ("hybrid", "dense"):
            assert ([h.chunk.id for h in remote.search(item.question, 5, mode)]
                    == [h.chunk.id for h in local.search(item.question, 5, mode)]), (item.id, mode)


@pytest.mark.integration
def test_batch_on_ray_answers_the_dev_set_exactly_as_locally(ray_engine, corpus_settings, tmp_path):
    gold, questions = load_gold(DEV_GOLD), tmp_path / "dev.jsonl"
    questions.write_text("".join(json.dumps({"id": i.id, "question": i.question}) + "\n" for i in gold), encoding="utf-8")
    run_batch(SurveyQA(corpus_settings), questions, tmp_path / "local.jsonl")
    run_batch(SurveyQA(_ray(corpus_settings)), questions, tmp_path / "ray.jsonl")

    def answers(path):
        return [(r["id"], r["answer"], r["abstained"], [c["chunk_id"] for c in r["citations"]])
                for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]

    local = answers(tmp_path / "local.jsonl")
    assert len(local) == len(gold) and answers(tmp_path / "ray.jsonl") == local
