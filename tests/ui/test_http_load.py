"""Many HTTP clients at once against the real server on loopback, through Gradio's /ask and the plain
JSON route: every client gets the answer the in-process service gives, and a bad request fails alone."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from surveyqa.service import SurveyQA
from core.settings import load_settings
from tests.ui.server import start_app, stop_app
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
