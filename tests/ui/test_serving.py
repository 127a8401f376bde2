"""Serving safely (issue 16 items 8 and 9): `surveyqa serve --index`, a read-only server by default
beyond loopback, Gradio's login, and the bounds of /ask's k; the plain JSON route /api/ask (issue 20)
answers as the service does behind the same guards. Servers run in this process."""
from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from core.settings import load_settings
from surveyqa import Filters
from tests.matching import assert_records_match
from tests.ui.server import free_port
from ui.api import ASK_PATH, MAX_BODY_BYTES
from ui.context import READ_ONLY
from ui.serving import MAX_K, bounded_k, is_loopback, logins, read_only_for

QUESTION = "What backbone does MedSAM use?"


def test_serve_takes_an_index_a_corpus_and_the_read_only_switch(monkeypatch, tmp_path):
    import ui.app
    from cli.main import app

    calls = []
    monkeypatch.setattr(ui.app, "launch", lambda host, port, settings, ask_processes: calls.append(
        (host, port, settings, ask_processes)))
    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--index", str(tmp_path / "ix"), "--corpus", str(tmp_path / "c"),
                                 "--port", "8123", "--read-only"])
    assert result.exit_code == 0, result.output
    host, port, settings, processes = calls[-1]
    assert (host, port, settings.index_dir, settings.corpus_dir, processes) == (None, 8123, tmp_path / "ix",
                                                                                 tmp_path / "c", 0)
    assert settings.read_only is True
    runner.invoke(app, ["serve", "--allow-changes"])
    assert calls[-1][2].read_only is False
    runner.invoke(app, ["serve", "--ask-processes", "2"])
    assert calls[-1][2].read_only is None and calls[-1][3] == 2


def test_read_only_is_the_default_beyond_loopback_and_a_setting_overrides_it():
    assert [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "10.1.2.3", "surveys.example.org")] \
        == [True, True, True, False, False, False]
    assert read_only_for("0.0.0.0", load_settings()) and not read_only_for("127.0.0.1", load_settings())
    assert not read_only_for("0.0.0.0", load_settings(read_only=False))
    assert read_only_for("127.0.0.1", load_settings(read_only=True))


def test_logins_come_from_the_ui_auth_setting(monkeypatch):
    assert logins(load_settings()) is None
    monkeypatch.setenv("SURVEYQA_UI_AUTH", "reader:s3cret, admin:pa:ss")
    assert logins(load_settings()) == [("reader", "s3cret"), ("admin", "pa:ss")]
    with pytest.raises(ValueError, match="user:password"):
        logins(load_settings(ui_auth="no-colon"))


@pytest.mark.parametrize("k", [0, 21, 10**6, -1, 2.5, "many", None, True])
def test_k_outside_1_to_max_k_is_refused(k):
    from gradio import Error

    with pytest.raises(Error, match=f"k must be a whole number from 1 to {MAX_K}"):
        bounded_k(k)


def test_k_inside_the_bounds_is_kept():
    assert [bounded_k(k) for k in (1, 5, "7", 20.0)] == [1, 5, 7, 20]


@pytest.fixture
def serve(tiny_root):
    """``launch(host, settings)`` in this process on a free port; yields a starter, closes what it started."""
    from ui.app import launch

    demos = []

    def start(host: str, **overrides) -> str:
        port = free_port()
        settings = load_settings(**{"index_dir": tiny_root / "index", "corpus_dir": tiny_root / "corpus", **overrides})
        demos.append(launch(host, port, settings, block=False))
        return f"http://127.0.0.1:{port}/"

    yield start
    for demo in demos:
        demo.close()


def test_a_server_on_all_interfaces_is_read_only_and_bounds_k(serve, tiny_root, tmp_path):
    from gradio_client import Client, handle_file

    url = serve("0.0.0.0")
    client = Client(url, verbose=False)
    planted = tmp_path / "seg-survey.txt"
    planted.write_text("Planted Survey\n\nMedSAM uses a ResNet-18 backbone.\n", encoding="utf-8")
    added = client.predict([handle_file(str(planted))], api_name="/on_add")
    assert added[1] == READ_ONLY
    assert client.predict("vlm-review.txt", api_name="/on_remove")[0] == READ_ONLY
    with pytest.raises(Exception, match="k must be a whole number from 1 to 20, not 1000000"):
        client.predict(QUESTION, 10**6, "hybrid", api_name="/ask")
    record = client.predict(QUESTION, 5, "hybrid", api_name="/ask")
    assert "ViT-B" in record["answer"] and len(record["retrieved"]) <= 5
    assert httpx.post(ask_url(url), json={"question": QUESTION, "k": 10**6}).status_code == 422
    assert "ViT-B" in httpx.post(ask_url(url), json={"question": QUESTION}).json()["answer"]
    assert not (tiny_root / "uploads").exists()


def test_a_login_set_in_the_settings_guards_the_server(serve):
    from gradio_client import Client

    url = serve("127.0.0.1", ui_auth="reader:s3cret")
    with pytest.raises(Exception):
        Client(url, verbose=False).predict(QUESTION, 5, "hybrid", api_name="/ask")
    with pytest.raises(Exception):
        Client(url, auth=("reader", "wrong"), verbose=False)
    record = Client(url, auth=("reader", "s3cret"), verbose=False).predict(QUESTION, 5, "hybrid", api_name="/ask")
    assert "ViT-B" in record["answer"]


def ask_url(server: str) -> str:
    return server.rstrip("/") + ASK_PATH


def without_latency(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "latency_ms"}


def test_the_json_route_answers_as_the_service_does(serve, ctx):
    url = ask_url(serve("127.0.0.1"))
    plain = httpx.post(url, json={"question": QUESTION})
    assert plain.status_code == 200 and "ViT-B" in plain.json()["answer"]
    assert_records_match(without_latency(plain.json()), without_latency(ctx.qa.ask(QUESTION).to_dict()))
    asked = {"question": "What was MedCLIP trained on?", "k": 3, "mode": "bm25", "docs": ["vlm-review.txt"]}
    filtered = httpx.post(url, json=asked).json()
    expected = ctx.qa.ask(asked["question"], 3, "bm25", Filters(docs=["vlm-review.txt"])).to_dict()
    assert_records_match(without_latency(filtered), without_latency(expected))
    assert filtered["citations"] and len(filtered["retrieved"]) <= 3
    assert {c["doc"] for c in filtered["citations"] + filtered["retrieved"]} == {"vlm-review.txt"}


def test_the_json_route_refuses_bad_requests_with_the_reason(serve):
    base = serve("127.0.0.1")
    url, json_type = ask_url(base), {"Content-Type": "application/json"}
    refused = [  # (body, headers, status, reason)
        ({"question": QUESTION, "k": 0}, {}, 422, "k must be a whole number from 1 to 20, not 0"),
        ({"question": "x" * 5000}, {}, 422, "the question has 5000 characters; the limit is 2000"),
        ({"question": "   "}, {}, 422, "the question is empty"),
        ({"question": QUESTION, "docs": []}, {}, 422, "no survey is selected"),
        ({"question": QUESTION, "mode": "fuzzy"}, {}, 422, "unknown retrieval mode 'fuzzy'"),
        ({"question": QUESTION, "top": 3}, {}, 422, "top: Extra inputs are not permitted"),
        ({"k": 3}, {}, 422, "question: Field required"),
        ('{"question": ', json_type, 422, "Invalid JSON"),
        (" " * (MAX_BODY_BYTES + 1), json_type, 413, "the request body is over 1024 KiB"),
        (f"question={QUESTION}", {"Content-Type": "text/plain"}, 415, "send the question as JSON"),
        ({"question": QUESTION}, {"Origin": "https://elsewhere.example"}, 403, "another site's page"),
    ]
    for body, headers, status, reason in refused:
        sent = {"content": body} if isinstance(body, str) else {"json": body}
        reply = httpx.post(url, headers=headers, **sent)
        assert (reply.status_code, reason in reply.json()["detail"]) == (status, True), (body, reply.text)
    own_page = httpx.post(url, json={"question": QUESTION}, headers={"Origin": base.rstrip("/")})
    assert own_page.status_code == 200


def test_the_json_route_needs_the_login_of_ui_auth(serve):
    base = serve("127.0.0.1", ui_auth="reader:s3cret")
    url = ask_url(base)
    refused = httpx.post(url, json={"question": QUESTION})
    assert refused.status_code == 401 and "log in first" in refused.json()["detail"]
    with httpx.Client() as session:
        assert session.post(base + "login", data={"username": "reader", "password": "wrong"}).status_code == 400
        assert session.post(url, json={"question": QUESTION}).status_code == 401
        assert session.post(base + "login", data={"username": "reader", "password": "s3cret"}).status_code == 200
        assert "ViT-B" in session.post(url, json={"question": QUESTION}).json()["answer"]


def test_the_json_route_answers_503_until_the_index_is_ready(serve, monkeypatch):
    import threading

    import ui.app
    from ui.context import AppContext

    release, built, ensure_index = threading.Event(), threading.Event(), AppContext.ensure_index

    def held_build(ctx):
        release.wait(120)
        ensure_index(ctx)
        built.set()

    monkeypatch.setattr(ui.app, "STARTUP_WAIT_S", 0)
    monkeypatch.setattr(AppContext, "ensure_index", held_build)
    url = ask_url(serve("127.0.0.1"))
    building = httpx.post(url, json={"question": QUESTION})
    assert building.status_code == 503 and "Building the index" in building.json()["detail"]
    release.set()
    assert built.wait(120)
    assert "ViT-B" in httpx.post(url, json={"question": QUESTION}).json()["answer"]


def test_the_json_route_answers_503_with_the_reason_when_no_index_can_be_built(serve, tmp_path):
    (tmp_path / "corpus").mkdir()
    url = ask_url(serve("127.0.0.1", index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus"))
    refused = httpx.post(url, json={"question": QUESTION})
    assert refused.status_code == 503 and "no index could be built" in refused.json()["detail"]
