"""The surveyqa command end to end on the tiny corpus (typer's CliRunner)."""
import json

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.fixture()
def env(tiny_settings, monkeypatch):
    monkeypatch.setenv("SURVEYQA_INDEX_DIR", str(tiny_settings.index_dir))
    monkeypatch.setenv("SURVEYQA_CORPUS_DIR", str(tiny_settings.corpus_dir))
    return tiny_settings


def test_ingest_reports_documents_and_skipped_files(env, tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary")
    result = runner.invoke(app, ["ingest", str(env.corpus_dir), str(tmp_path / "bad.txt"),
                                 "--index", str(tmp_path / "index"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(report["added"]) == ["alpha-survey.txt", "beta-review.md"]
    assert report["skipped"][0]["path"].endswith("bad.txt") and "binary" in report["skipped"][0]["reason"]


def test_search_json_lists_ranked_passages(env):
    result = runner.invoke(app, ["search", "Zorblax backbone", "-k", "2", "--json"])
    rows = json.loads(result.stdout)
    assert [r["rank"] for r in rows] == [1, 2] and "Zorblax" in rows[0]["text"]


def test_ask_json_is_the_answer_record(env):
    result = runner.invoke(app, ["ask", "What backbone does Quibble use?", "--json"])
    record = json.loads(result.stdout)
    assert "ResNet-50" in record["answer"] and record["citations"][0]["doc"] == "alpha-survey.txt"


def test_ask_rejects_a_50kb_question_clearly(env):
    result = runner.invoke(app, ["ask", "why " * 12_500])
    assert result.exit_code == 2 and "limit" in result.output


def test_models_list_and_compare(env):
    listed = json.loads(runner.invoke(app, ["models", "--filter", "ResNet", "--json"]).stdout)
    assert [e["name"] for e in listed] == ["Quibble"]
    compared = json.loads(runner.invoke(app, ["models", "compare", "Zorblax", "quibble", "--json"]).stdout)
    assert [e["backbone"] for e in compared] == ["ViT-B", "ResNet-50"]


def test_corrupt_index_gives_a_clear_error(env, tmp_path):
    broken = tmp_path / "index"
    broken.mkdir()
    (broken / "CURRENT").write_text("v-missing")
    result = runner.invoke(app, ["ask", "anything", "--index", str(broken)])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_ask_with_text_that_is_not_valid_unicode_fails_clearly(env):
    result = runner.invoke(app, ["ask", "What is Zorblax\udcff?"])  # how Python passes argv byte \xff
    assert result.exit_code == 2 and "not valid Unicode" in result.output


def test_document_text_and_file_names_print_as_written(tmp_path):
    doc = tmp_path / "galah[bold red]x.txt"
    doc.write_text("FerretNet Survey [/INST] of Models\n\n1. Models\n\nThe FerretNet model [/model] uses a ConvNeXt backbone :x: .\n",
                   encoding="utf-8")
    index = ["--index", str(tmp_path / "index")]
    ingested = runner.invoke(app, ["ingest", str(doc), *index])
    assert ingested.exit_code == 0, ingested.output
    assert "galah[bold red]x.txt" in ingested.stdout
    asked = runner.invoke(app, ["ask", "What backbone does FerretNet use?", *index])
    assert asked.exit_code == 0, asked.output
    assert "[/model] uses a ConvNeXt backbone :x:" in asked.output and "FerretNet Survey [/INST] of Models" in asked.output
    searched = runner.invoke(app, ["search", "FerretNet", "-k", "1", *index])
    assert "1. galah[bold red]x.txt" in searched.output


def test_models_list_fits_a_narrow_terminal_and_every_option_has_help(env):
    narrow = runner.invoke(app, ["models"], env={"COLUMNS": "80"}).stdout
    assert "┃" not in narrow and all(len(line) <= 80 for line in narrow.splitlines()), "a plain list, not a table"
    assert runner.invoke(app, ["models", "--kind", "dataset", "--json"]).exit_code == 0
    for command in (["search"], ["ask"], ["eval"], ["about"], ["conflicts"], ["models"], ["models", "compare"]):
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
        for option in ("--index", "--json"):
            line = next((row for row in text.splitlines() if option in row), None)
            if line is not None:
                assert "<" in line and line.split(">", 1)[1].strip(" │"), f"{command} {option} has no help"
