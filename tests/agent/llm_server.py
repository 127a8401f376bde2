"""A scripted OpenAI-compatible chat server on loopback, for driving the real HTTP client.

Each POST to ``/v1/chat/completions`` is answered with the next scripted reply (a text or a list
of tool calls) and its request body is kept in ``requests``; usage counts are fixed per reply,
so token totals are deterministic."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROMPT_TOKENS, COMPLETION_TOKENS = 100, 10


def text(content: str) -> dict:
    return {"role": "assistant", "content": content}


def tool_call(name: str, args: dict, call_id: str = "call_1") -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}


class ScriptedChatServer:
    """``with ScriptedChatServer([reply, ...]) as server: ... server.base_url``."""

    def __init__(self, replies: list[dict]):
        self.replies, self.requests = list(replies), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/v1/chat/completions" or not outer.replies:
                    return self._send(404, {"error": {"message": f"no scripted reply for {self.path}"}})
                outer.requests.append(body)
                message = outer.replies.pop(0)
                finish = "tool_calls" if message.get("tool_calls") else "stop"
                self._send(200, {
                    "id": f"chatcmpl-{len(outer.requests)}", "object": "chat.completion", "created": 0,
                    "model": body.get("model", ""), "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
                              "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}})

            def _send(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedChatServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def messages(self, n: int = -1) -> list[dict]:
        """The chat messages of the ``n``-th request."""
        return self.requests[n]["messages"]
