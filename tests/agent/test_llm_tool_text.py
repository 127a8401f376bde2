"""Tool calls written as text, accepted only when the whole reply is calls to offered tools."""
import pytest

from agent.tool_text import text_tool_calls

TOOLS = {"search_surveys", "lookup_model"}


@pytest.mark.parametrize("written", [
    '```json\n{"name": "search_surveys", "arguments": {"query": "MedSAM"}}\n```',
    'Let me look.\n```\n{"name": "search_surveys", "arguments": {"query": "MedSAM"}}\n```',
    '<tool_call>{"name": "search_surveys", "arguments": {"query": "MedSAM"}}</tool_call>',
    '{"type": "function", "function": {"name": "search_surveys", "arguments": "{\\"query\\": \\"MedSAM\\"}"}}',
    '[{"name": "search_surveys", "parameters": {"query": "MedSAM"}}]',
])
def test_each_written_form_becomes_one_call(written):
    [call] = text_tool_calls(written, TOOLS)
    assert (call["name"], call["args"], call["type"]) == ("search_surveys", {"query": "MedSAM"}, "tool_call")
    assert call["id"].startswith("call_")


def test_several_tagged_calls_are_all_kept_in_order():
    written = ('<tool_call>{"name": "lookup_model", "arguments": {"name": "MedSAM"}}</tool_call>\n'
               '<tool_call>{"name": "search_surveys", "arguments": {"query": "SAM"}}</tool_call>')
    assert [c["name"] for c in text_tool_calls(written, TOOLS)] == ["lookup_model", "search_surveys"]


@pytest.mark.parametrize("written", [
    "MedSAM was trained on 1.5M masks [id:0123456789abcdef].",  # a plain answer
    '```json\n{"name": "demo_model", "arguments": {"name": "x"}}\n```',  # a tool that was not offered
    '```json\n{"name": "search_surveys", "arguments": {"query": "MedSAM"}\n```',  # broken JSON
    '{"answer": "MedSAM"}',  # JSON that is not a call
    '[{"name": "search_surveys", "arguments": {}}, "and then?"]',
])
def test_anything_else_stays_text(written):
    assert text_tool_calls(written, TOOLS) == []
