"""Batch and eval with an LLM backend record each answer's mode, model and tokens, and the
eval report shows them (through the scripted loopback server and the real HTTP client)."""
import csv
import json

from surveyqa.batch import run_batch
from surveyqa.service import SurveyQA
from evaluation.gold import Evidence, GoldItem
from evaluation.report import write_report
from evaluation.run import asking, evaluate
from tests.agent.llm_server import COMPLETION_TOKENS, PROMPT_TOKENS, ScriptedChatServer, text

WRITTEN = "Zorblax was trained on 42 million CT slices [P1]."
USED = {"model": "scripted-model", "calls": 1, "input_tokens": PROMPT_TOKENS, "output_tokens": COMPLETION_TOKENS}


def _qa(settings, server) -> SurveyQA:
    return SurveyQA(settings.model_copy(update={"llm_backend": "openai", "llm_base_url": server.base_url,
                                                "llm_model": "scripted-model"}))


def test_batch_records_mode_model_and_tokens(tiny_settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "a", "question": "How much data was Zorblax trained on?"}) + "\n")
    with ScriptedChatServer([text(WRITTEN)]) as server:
        run_batch(_qa(tiny_settings, server), questions, tmp_path / "out.jsonl", csv_path=tmp_path / "out.csv")
    [record] = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert record["mode"] == "write" and record["llm"] == USED
    [row] = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert (row["mode"], row["model"], row["tokens"]) == ("write", "scripted-model", str(PROMPT_TOKENS + COMPLETION_TOKENS))


def test_eval_records_llm_usage_per_item_and_the_report_shows_it(tiny_settings, tmp_path):
    items = [GoldItem("z1", "How much data was Zorblax trained on?", "42 million CT slices", ["42 million"],
                      [Evidence("alpha-survey.txt", "trained on 42 million CT slices")], "factoid", "easy"),
             GoldItem("z2", "Which Zorblax variants did the FDA clear in 2031?", "", [], [], "unanswerable", "easy")]
    with ScriptedChatServer([text("Zorblax saw 42 million CT slices [P1].")]) as server:
        qa = _qa(tiny_settings, server)
        result = evaluate(items, asking(qa, 5), qa.doc_texts)
    assert [r["llm"] for r in result.per_item] == [USED, {**USED, "calls": 0, "input_tokens": 0, "output_tokens": 0}]
    assert result.metrics["llm"] == [{"mode": "write", "model": "scripted-model", "answers": 2, "calls": 1,
                                      "input_tokens": PROMPT_TOKENS, "output_tokens": COMPLETION_TOKENS}]
    assert result.metrics["key_fact_accuracy"] == 1.0
    report = write_report(result, tmp_path / "report")["markdown"].read_text()
    per_answer = (PROMPT_TOKENS + COMPLETION_TOKENS) / 2
    assert f"| write | scripted-model | 2 | 1 | {PROMPT_TOKENS} | {COMPLETION_TOKENS} | {per_answer:.3f} |" in report
