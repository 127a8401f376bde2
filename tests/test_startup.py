"""Start-up of the serving entry points: host and port from flags or Gradio's environment variables,
and torch held to ``query_threads`` by the commands that answer questions (not by ingest)."""
import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.fixture()
def env(tiny_settings, monkeypatch):
    monkeypatch.setenv("SURVEYQA_INDEX_DIR", str(tiny_settings.index_dir))
    monkeypatch.setenv("SURVEYQA_CORPUS_DIR", str(tiny_settings.corpus_dir))
    for name in ("GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT", "SURVEYQA_HOST", "SURVEYQA_PORT", "SURVEYQA_QUERY_THREADS"):
        monkeypatch.delenv(name, raising=False)
    return tiny_settings


@pytest.fixture()
def threads(monkeypatch) -> list[int]:
    """The thread counts given to torch (recorded, not applied)."""
    import torch

    calls: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    return calls


@pytest.fixture()
def launched(monkeypatch) -> list[dict]:
    """The keyword arguments of every ``Blocks.launch`` (no server is started)."""
    import gradio as gr

    calls: list[dict] = []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: calls.append(kwargs))
    return calls


def _bound(launched) -> tuple[str, int]:
    (kwargs,) = launched
    return kwargs["server_name"], kwargs["server_port"]


def test_serve_defaults_to_loopback_7860(env, launched, threads):
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert _bound(launched) == ("127.0.0.1", 7860)
    assert threads == [1]


def test_serve_honours_gradio_env_and_flags_win(env, launched, threads, monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    monkeypatch.setenv("SURVEYQA_QUERY_THREADS", "3")
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--port", "9000"]).exit_code == 0
    assert [(k["server_name"], k["server_port"]) for k in launched] == [("0.0.0.0", 8123), ("0.0.0.0", 9000)]
    assert threads == [3, 3]


def test_app_py_honours_gradio_env_and_flags_win(env, launched, monkeypatch):
    from ui.app import main

    monkeypatch.setenv("GRADIO_SERVER_PORT", "8124")
    main(["--host", "127.0.0.2"])
    assert _bound(launched) == ("127.0.0.2", 8124)


def test_ask_applies_query_threads_and_ingest_does_not(env, threads, tmp_path):
    assert runner.invoke(app, ["ingest", str(env.corpus_dir), "--index", str(tmp_path / "index")]).exit_code == 0
    assert threads == []
    assert runner.invoke(app, ["ask", "What backbone does Quibble use?"]).exit_code == 0
    assert threads == [1]
