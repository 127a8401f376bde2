"""`surveyqa eval` end to end on the tiny index: files, keys, report, --compare, --fail-under, bad gold."""
from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.evaluation.test_metrics_exact import README_KEYS

PLOTS = ("metrics_by_type", "latency", "recall_at_k", "comparison")


def _eval(gold, out, settings, *extra):
    return CliRunner().invoke(app, ["eval", str(gold), "--out", str(out), "--index", str(settings.index_dir), *extra])


@pytest.fixture(scope="module")
def compare_run(eval_settings, eval_qa, gold_path, tmp_path_factory):
    # precondition of the exact retrieval numbers below: every chunk is in every top 5
    assert len(eval_qa.retriever.chunks) <= 5
    out = tmp_path_factory.mktemp("eval-out")
    result = _eval(gold_path, out, eval_settings, "--compare")
    assert result.exit_code == 0, result.output
    return result, out


def test_metrics_json(compare_run):
    _, out = compare_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert README_KEYS <= set(metrics)
    assert (metrics["count"], metrics["answerable"], metrics["k"]) == (4, 3, 5)
    assert metrics["retrieval_recall_at_k"] == 1.0 and metrics["retrieval_full_recall_at_k"] == 1.0
    assert set(metrics["by_type"]) == {"factoid", "numeric", "unanswerable"}
    assert set(metrics["by_difficulty"]) == {"easy", "medium", "hard"}
    assert metrics["by_type"]["unanswerable"]["answerable"] == 0
    assert metrics["by_type"]["numeric"]["count"] == 2
    rows = [json.loads(line) for line in (out / "per_item.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["g-1", "g-2", "g-3", "g-4"]
    ranks = [r["scores"]["first_hit_rank"] for r in rows[:3]]
    assert metrics["mrr"] == round(sum(1 / r for r in ranks) / 3, 4)


def test_report_files(compare_run):
    _, out = compare_run
    page = (out / "report.html").read_text()
    markdown = (out / "report.md").read_text()
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page)) == len(PLOTS)
    for name in PLOTS:
        png = out / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"(plots/{name}.png)" in markdown
    for heading in ("Overall metrics", "By type", "By difficulty", "Worst misses", "Comparison with baselines"):
        assert heading in markdown and heading in page


def test_compare(compare_run):
    result, out = compare_run
    systems = json.loads((out / "comparison.json").read_text())
    assert list(systems) == ["surveyqa", "bm25-only", "dense-only", "langchain-plain"]
    plain = systems["langchain-plain"]
    assert plain["chunks"] == 2 and plain["build_seconds"] >= 0  # each tiny document fits one 1000-char chunk
    assert plain["retrieval_recall_at_k"] == 1.0
    for name in systems:
        assert name in result.output
    assert "citation_precision" in result.output and "latency_p50_ms" in result.output


def test_fail_under(eval_settings, gold_path, tmp_path):
    result = _eval(gold_path, tmp_path, eval_settings, "--fail-under", "retrieval_recall_at_k=1.0",
                   "--fail-under", "key_fact_accuracy=1.01")
    assert result.exit_code == 1, result.output
    assert "key_fact_accuracy" in result.output and "below the required 1.01" in result.output
    assert "retrieval_recall_at_k =" not in result.output  # that one passed
    assert (tmp_path / "report.html").exists()


def test_bad_fail_under_spec(eval_settings, gold_path, tmp_path):
    result = _eval(gold_path, tmp_path, eval_settings, "--fail-under", "key_fact_acc=0.5")
    assert result.exit_code == 2 and "key_fact_acc" in result.output
    result = _eval(gold_path, tmp_path, eval_settings, "--fail-under", "mrr")
    assert result.exit_code == 2 and "METRIC=NUMBER" in result.output


def test_malformed_gold(eval_settings, gold_path, tmp_path):
    bad = tmp_path / "bad.jsonl"
    lines = gold_path.read_text().splitlines()
    bad.write_text("\n".join([lines[0], '{"id": "x", "question": ', *lines[1:]]) + "\n")
    result = _eval(bad, tmp_path / "out", eval_settings)
    assert result.exit_code == 2
    assert "bad.jsonl:2:" in result.output.replace("\n", "")
    missing_key = tmp_path / "missing.jsonl"
    missing_key.write_text(lines[0] + "\n" + lines[1].replace('"difficulty"', '"level"') + "\n")
    result = _eval(missing_key, tmp_path / "out", eval_settings)
    assert result.exit_code == 2 and ":2:" in result.output and "difficulty" in result.output


def test_scope_restricts_retrieval_and_answers_to_its_documents(eval_settings, tmp_path):
    asked = {"question": "Which retinal model was pretrained on 1.6 million fundus images?", "answer": "Fundora.",
             "key_facts": ["Fundora"], "type": "factoid", "difficulty": "easy",
             "evidence": [{"doc": "gamma-survey.txt", "quote": "The Fundora model was trained on 1.6 million fundus images"}]}
    rows = [dict(asked, id="whole-index"), dict(asked, id="scoped", scope=["delta-review.txt"])]
    gold = tmp_path / "scoped.jsonl"
    gold.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = _eval(gold, tmp_path / "out", eval_settings)
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "per_item.jsonl").read_text().splitlines())}
    assert "gamma-survey.txt" in {p["doc"] for p in records["whole-index"]["retrieved"]}
    scoped = records["scoped"]
    assert scoped["retrieved"] and {p["doc"] for p in scoped["retrieved"]} == {"delta-review.txt"}
    assert {c["doc"] for c in scoped["citations"]} <= {"delta-review.txt"}
    assert "Fundora" not in scoped["answer"]


def test_bad_scope_and_yes_no_facts_are_refused(eval_settings, gold_path, tmp_path):
    line = json.loads(gold_path.read_text().splitlines()[0])
    for name, row, message in (("scope", dict(line, scope="gamma-survey.txt"), "scope"),
                               ("yesno", dict(line, type="yes-no", key_facts=["Maybe"]), "yes-no")):
        bad = tmp_path / f"{name}.jsonl"
        bad.write_text(json.dumps(row) + "\n")
        result = _eval(bad, tmp_path / "out", eval_settings)
        assert result.exit_code == 2 and message in result.output, result.output
