"""Many HTTP clients at once against the real server on loopback, through Gradio's /ask and the plain
JSON route: every client gets the answer the in-process service gives, and a bad request fails alone;
so too with the answers computed in answer processes (``--ask-processes``), which follow an upload."""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from core.settings import load_settings
from surveyqa import Filters
from surveyqa.service import SurveyQA
from tests.matching import assert_records_match
from tests.ui.server import start_app, stop_app, wait_ready
from ui.api import ASK_PATH

CLIENTS = 8
QUESTIONS = ["What backbone does Quibble use?", "How many CT slices was the Zorblax model trained on?",
             "Who are the authors of Glimmer?", "What does Glimmer generate?"]


@pytest.fixture(scope="module")
def server(tiny_root, tmp_path_factory):
    log = tmp_path_factory.mktemp("http") / "app.log"
    proc, url = start_app(tiny_root / "index", tiny_root / "corpus", log)
    yield url
    stop_app(proc)


def _key(record: dict) -> tuple:
    return record["answer"], record["abstained"], [(c["chunk_id"], c["start"], c["end"]) for c in record["citations"]]


def gradio_client(url: str):
    """A client of Gradio's ``/ask`` (``question -> record``)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    return lambda question: client.predict(question, 5, "hybrid", api_name="/ask")


def json_client(url: str):
    """A client of the plain JSON route, on its own connection (``question -> record``)."""
    client = httpx.Client(base_url=url, timeout=120)
    return lambda question: client.post(ASK_PATH, json={"question": question, "k": 5}).raise_for_status().json()


@pytest.mark.parametrize("connect", [gradio_client, json_client], ids=["gradio", "json"])
def test_concurrent_api_clients_get_the_in_process_answers(server, tiny_root, connect):
    qa = SurveyQA(load_settings(index_dir=tiny_root / "index", corpus_dir=tiny_root / "corpus"))
    expected = {q: _key(qa.ask(q).to_dict()) for q in QUESTIONS}
    clients = [connect(server) for _ in range(CLIENTS)]

    def run(n: int) -> list[tuple[str, tuple]]:
        asked = QUESTIONS[n % len(QUESTIONS):] + QUESTIONS[: n % len(QUESTIONS)]
        return [(q, _key(clients[n](q))) for q in asked]

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = [pair for batch in pool.map(run, range(CLIENTS), timeout=300) for pair in batch]
    assert len(results) == CLIENTS * len(QUESTIONS)
    for question, got in results:
        assert got == expected[question], question
    assert any(not got[1] and got[2] for _, got in results)  # real cited answers, not only refusals


def test_a_refused_question_fails_alone(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    with pytest.raises(Exception, match="limit"):
        client.predict("x" * 50_000, 5, "hybrid", api_name="/ask")
    record = client.predict(QUESTIONS[0], 5, "hybrid", api_name="/ask")
    assert record["citations"] and not record["abstained"]


def child_processes(pid: int) -> list[int]:
    """The processes started by any thread of ``pid``."""
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]


@pytest.fixture(scope="module")
def process_server(tiny_root, tmp_path_factory):
    """The real server over a copy of the tiny index, answering its HTTP APIs in 2 answer processes."""
    root = tmp_path_factory.mktemp("processes")
    shutil.copytree(tiny_root / "corpus", root / "corpus")
    shutil.copytree(tiny_root / "index", root / "index", ignore=shutil.ignore_patterns(".lock"))
    proc, url = start_app(root / "index", root / "corpus", root / "app.log", timeout=120,
                          args=("--ask-processes", "2"))
    wait_ready(url)
    yield proc, url
    stop_app(proc)


def without_latency(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "latency_ms"}


def test_answer_processes_give_the_in_process_answers_to_concurrent_clients(process_server, tiny_root):
    proc, url = process_server
    assert len(child_processes(proc.pid)) >= 2
    qa = SurveyQA(load_settings(index_dir=tiny_root / "index", corpus_dir=tiny_root / "corpus"))
    asked = [({"question": q, "k": 5}, qa.ask(q, 5)) for q in QUESTIONS]
    asked.append(({"question": QUESTIONS[0], "k": 3, "mode": "bm25", "docs": ["vlm-review.txt"]},
                  qa.ask(QUESTIONS[0], 3, "bm25", Filters(docs=["vlm-review.txt"]))))
    expected = [without_latency(answer.to_dict()) for _, answer in asked]
    clients = [httpx.Client(base_url=url, timeout=120) for _ in range(CLIENTS)]

    def run(n: int) -> list[tuple[int, dict]]:
        order = [(i + n) % len(asked) for i in range(len(asked))]
        return [(i, clients[n].post(ASK_PATH, json=asked[i][0]).raise_for_status().json()) for i in order]

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = [pair for batch in pool.map(run, range(CLIENTS), timeout=300) for pair in batch]
    assert len(results) == CLIENTS * len(asked)
    for i, record in results:
        assert_records_match(without_latency(record), expected[i])
    assert any(record["citations"] for _, record in results)
    refused = httpx.post(url + ASK_PATH.lstrip("/"), json={"question": "   "})
    assert refused.status_code == 422 and "the question is empty" in refused.json()["detail"]


def test_answer_processes_answer_from_an_uploaded_survey(process_server, tmp_path):
    from gradio_client import Client, handle_file

    _, url = process_server
    planted = tmp_path / "planted-survey.txt"
    planted.write_text("Planted Survey\n\nMedSAM uses a ResNet-18 backbone.\n", encoding="utf-8")
    Client(url, verbose=False).predict([handle_file(str(planted))], api_name="/on_add")
    asked = {"question": "What backbone does MedSAM use?", "docs": ["planted-survey.txt"]}
    for _ in range(4):  # the two processes take turns: each has the new survey
        record = httpx.post(url + ASK_PATH.lstrip("/"), json=asked, timeout=120).raise_for_status().json()
        assert "ResNet-18" in record["answer"] and {c["doc"] for c in record["citations"]} == {"planted-survey.txt"}
