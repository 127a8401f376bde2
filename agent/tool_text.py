"""Tool calls a model wrote as message text instead of ``tool_calls``, as small local models do:
``<tool_call>`` tags, a JSON code block, or a bare JSON object or list. Only calls to tools
the model was offered are accepted; anything else is left as text."""
from __future__ import annotations

import json
import re
import uuid

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_FENCED = re.compile(r"```[a-z_]*\s*\n?(.*?)```", re.S)


def _call(item) -> dict | None:
    """``{"name", "arguments"|"parameters"|"args"}``, optionally inside OpenAI's ``{"function": ...}``."""
    if not isinstance(item, dict):
        return None
    item = item.get("function", item)
    name = item.get("name") if isinstance(item, dict) else None
    args = next((item[k] for k in ("arguments", "parameters", "args") if k in item), {}) if name else None
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            return None
    return {"name": name, "args": args} if isinstance(name, str) and isinstance(args, dict) else None


def text_tool_calls(text: str, tool_names) -> list[dict]:
    """The tool calls written in ``text``, as LangChain tool-call dicts; ``[]`` when the text is not
    made of tool calls only or names a tool that was not offered."""
    blocks = _TAGGED.findall(text) or _FENCED.findall(text) or [text.strip()]
    calls = []
    for block in blocks:
        try:
            value = json.loads(block)
        except ValueError:
            return []
        found = [_call(item) for item in (value if isinstance(value, list) else [value])]
        if not found or None in found or any(c["name"] not in tool_names for c in found):
            return []
        calls += found
    return [{**c, "id": f"call_{uuid.uuid4().hex[:16]}", "type": "tool_call"} for c in calls]
