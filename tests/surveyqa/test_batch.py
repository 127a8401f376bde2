"""Batch answering: input formats, resume, failures recorded, truncated output repaired, CSV export."""
from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from surveyqa.batch import CSV_COLUMNS, load_questions, run_batch
from answer.records import Answer

QUESTIONS = [
    ("z1", "How many CT slices was the Zorblax model trained on?"),
    ("z2", "Which backbone does Quibble use?"),
    ("z3", "Who wrote Glimmer?"),
]


@pytest.fixture(scope="module")
def qa(tiny_settings):
    from surveyqa.service import SurveyQA

    return SurveyQA(tiny_settings)


def _jsonl(path, rows):
    path.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in rows), encoding="utf-8")
    return path


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_load_formats(tmp_path):
    rows = load_questions(_jsonl(tmp_path / "q.jsonl", QUESTIONS))
    assert [(q.id, q.question, q.error) for q in rows] == [(i, q, None) for i, q in QUESTIONS]
    (tmp_path / "q.csv").write_text('id,question\nc1,"What is Zorblax, exactly?"\nc2,Who wrote Glimmer?\n')
    assert [(q.id, q.question) for q in load_questions(tmp_path / "q.csv")] == [
        ("c1", "What is Zorblax, exactly?"), ("c2", "Who wrote Glimmer?")]
    (tmp_path / "q.txt").write_text("What is Zorblax?\n\n  Who wrote Glimmer?  \n")
    assert [(q.id, q.question, q.line) for q in load_questions(tmp_path / "q.txt")] == [
        ("q1", "What is Zorblax?", 1), ("q2", "Who wrote Glimmer?", 3)]


def test_malformed_lines_are_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "ok?"}\n{"id": "b", "question": \n{"question": "no id"}\n'
                    '{"id": "a", "question": "again"}\n')
    rows = load_questions(path)
    assert [q.id for q in rows] == ["a", "line-2", "line-3", "line-4"]
    assert rows[0].error is None
    assert f"{path}:2: not valid JSON" in rows[1].error
    assert f"{path}:3: missing 'id'" in rows[2].error
    assert "duplicate id 'a' (first on line 1)" in rows[3].error


def test_csv_without_columns(tmp_path):
    from surveyqa.batch import BatchInputError

    (tmp_path / "q.csv").write_text("name,text\nx,y\n")
    with pytest.raises(BatchInputError, match=r"q\.csv:1: .*'id' and 'question'"):
        load_questions(tmp_path / "q.csv")


def test_jsonl_resume_long_question_and_csv(qa, tmp_path):
    rows = [*QUESTIONS[:2], ("long", "why " * 12_500), QUESTIONS[2]]  # 50 KB question
    questions, out, table = _jsonl(tmp_path / "q.jsonl", rows), tmp_path / "out.jsonl", tmp_path / "out.csv"
    ticks = []
    summary = run_batch(qa, questions, out, k=3, csv_path=table, progress=lambda d, t: ticks.append((d, t)))
    records = _records(out)
    assert [r["id"] for r in records] == ["z1", "z2", "long", "z3"]
    assert ticks[-1] == (4, 4)
    long = records[2]
    assert long["abstained"] and "QuestionError" in long["error"] and "limit" in long["error"]
    assert all(r["error"] is None and r["retrieved"] for r in records if r["id"] != "long")
    assert all(len(r["retrieved"]) <= 3 for r in records)
    Answer.from_dict(records[0])  # same record as `ask --json`
    assert (summary.total, summary.errors, summary.skipped, summary.answered + summary.abstained) == (4, 1, 0, 3)
    with table.open(newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert tuple(exported[0]) == CSV_COLUMNS and len(exported) == 4
    for row, record in zip(exported, records):
        assert row["id"] == record["id"] and row["abstained"] == str(record["abstained"]).lower()
        assert row["citations"] == "; ".join(f"{c['doc']}:{c['start']}-{c['end']}" for c in record["citations"])
    assert exported[2]["error"].startswith("QuestionError")

    again = run_batch(qa, questions, out, k=3)
    assert (again.skipped, again.answered + again.abstained + again.errors) == (4, 0)
    assert len(out.read_text().splitlines()) == 4
    _jsonl(questions, [*rows, ("z4", "What is Quibble?")])
    assert run_batch(qa, questions, out, k=3).skipped == 4
    assert [r["id"] for r in _records(out)] == ["z1", "z2", "long", "z3", "z4"]


def test_truncated_last_line_repaired(qa, tmp_path):
    questions, out = _jsonl(tmp_path / "q.jsonl", QUESTIONS), tmp_path / "out.jsonl"
    run_batch(qa, questions, out, k=3)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text(lines[0] + lines[1] + lines[2][: len(lines[2]) // 2], encoding="utf-8")  # killed mid-write
    summary = run_batch(qa, questions, out, k=3)
    assert summary.repaired and summary.skipped == 2
    assert [r["id"] for r in _records(out)] == ["z1", "z2", "z3"]


def test_text_and_csv_inputs_via_cli(tiny_settings, tmp_path):
    (tmp_path / "q.txt").write_text("What is Zorblax?\nWho wrote Glimmer?\n")
    (tmp_path / "q.csv").write_text("id,question\nc1,What is Quibble?\n")
    runner = CliRunner()
    for name in ("q.txt", "q.csv"):
        out = tmp_path / f"{name}.jsonl"
        result = runner.invoke(app_cli(), ["batch", str(tmp_path / name), "--out", str(out), "-k", "2",
                                           "--index", str(tiny_settings.index_dir), "--csv", str(tmp_path / f"{name}.out.csv")])
        assert result.exit_code == 0, result.output
        assert "answered" in result.output
    assert [r["id"] for r in _records(tmp_path / "q.txt.jsonl")] == ["q1", "q2"]
    assert [r["id"] for r in _records(tmp_path / "q.csv.jsonl")] == ["c1"]
    assert (tmp_path / "q.csv.out.csv").read_text().splitlines()[0] == ",".join(CSV_COLUMNS)
    result = runner.invoke(app_cli(), ["batch", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "x.jsonl"),
                                       "--index", str(tiny_settings.index_dir)])
    assert result.exit_code == 2 and "missing.txt" in result.output


def app_cli():
    from cli.main import app

    return app


def test_a_lines_scope_restricts_its_answer_and_a_bad_scope_is_recorded(qa, tmp_path):
    questions = tmp_path / "scoped.jsonl"
    rows = [{"id": "all", "question": "How many CT slices was the Zorblax model trained on?"},
            {"id": "beta", "question": "How many CT slices was the Zorblax model trained on?", "scope": ["beta-review.md"]},
            {"id": "bad", "question": "What is Quibble?", "scope": "alpha-survey.txt"}]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_batch(qa, questions, tmp_path / "out.jsonl", k=3)
    records = {r["id"]: r for r in _records(tmp_path / "out.jsonl")}
    assert "42 million" in records["all"]["answer"]
    assert {p["doc"] for p in records["beta"]["retrieved"]} == {"beta-review.md"}
    assert {c["doc"] for c in records["beta"]["citations"]} <= {"beta-review.md"} and "42" not in records["beta"]["answer"]
    assert "'scope' must be a list" in records["bad"]["error"]


def test_a_question_that_is_not_valid_unicode_is_recorded_and_the_batch_goes_on(qa, tmp_path):
    questions, out, table = tmp_path / "s.jsonl", tmp_path / "s.out", tmp_path / "s.csv"
    questions.write_text('{"id":"a","question":"x \\ud800 Zorblax?"}\n{"id":"b\\udcff","question":"Who wrote Glimmer?"}\n'
                         '{"id":"c","question":"What is Quibble?"}\n', encoding="utf-8")
    summary = run_batch(qa, questions, out, k=3, csv_path=table)
    records = _records(out)
    assert [(r["id"], r["question"]) for r in records] == [
        ("a", "x \ufffd Zorblax?"), ("b\ufffd", "Who wrote Glimmer?"), ("c", "What is Quibble?")]
    assert all("s.jsonl:" in r["error"] and "not valid Unicode" in r["error"] for r in records[:2])
    assert records[2]["error"] is None and "ResNet-50" in records[2]["answer"]
    assert summary.errors == 2 and len(table.read_text(encoding="utf-8").splitlines()) == 4
    assert run_batch(qa, questions, out, k=3).skipped == 3 and len(_records(out)) == 3


def test_made_up_ids_never_take_a_real_id(qa, tmp_path):
    questions, out = tmp_path / "ids.jsonl", tmp_path / "ids.out"
    questions.write_text('not json\n{"id":"line-1","question":"What is Quibble?"}\n{"id":"line-1","question":"again"}\n'
                         '{"id":"line-3","question":"Who wrote Glimmer?"}\n', encoding="utf-8")
    assert [q.id for q in load_questions(questions)] == ["line-1-2", "line-1", "line-3-2", "line-3"]
    run_batch(qa, questions, out, k=3)
    records = {r["id"]: r for r in _records(out)}
    assert records["line-1"]["error"] is None and "ResNet-50" in records["line-1"]["answer"]
    assert records["line-3"]["error"] is None and "duplicate id 'line-1'" in records["line-3-2"]["error"]
