"""The plain HTTP JSON API on the UI's own server: ``POST /api/ask``, answered outside Gradio's queue.

It takes ``{"question": ..., "k": ..., "mode": ..., "docs": [...]}`` (all but the question optional)
and returns the record of ``surveyqa ask --json``, as Gradio's ``/ask`` does. The UI's protections
hold: Gradio's login when ``ui_auth`` is set, Gradio's origin rule (a page of another site may not
call a server addressed as localhost), and nothing here changes the corpus, read-only or not."""
from __future__ import annotations

import os
from functools import partial
from typing import Any

import anyio
import gradio as gr
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from gradio.route_utils import CustomCORSMiddleware
from pydantic import BaseModel, ConfigDict, ValidationError

from ui import chat
from ui.context import AppContext
from ui.serving import bounded_k

ASK_PATH = "/api/ask"
MAX_BODY_BYTES = 1 << 20  # far above a question of max_question_chars; larger bodies are refused unread
ASK_WORKERS = os.cpu_count() or 1  # answers computed at once, one torch thread each (bench/README.md: HTTP API)


class AskRequest(BaseModel):
    """The JSON body of ``POST /api/ask``; ``k`` and ``mode`` default to the settings, ``docs`` to every survey."""

    model_config = ConfigDict(extra="forbid")
    question: str
    k: Any = None
    mode: str | None = None
    docs: list[str] | None = None


def foreign_origin(request: Request) -> bool:
    """True for a browser request that Gradio's CORS rule (``strict_cors``) would not let read the reply."""
    return "origin" in request.headers and not CustomCORSMiddleware(None).is_valid_origin(request.headers)


def logged_in(request: Request) -> bool:
    """Whether Gradio's login lets ``request`` in: no ``ui_auth``, or a session cookie set by Gradio's
    ``/login`` (the check of Gradio's own ``/gradio_api/user`` route)."""
    app = request.app
    tokens = (request.cookies.get(f"access-token{kind}-{app.cookie_id}") for kind in ("", "-unsecure"))
    return app.auth is None or any(app.tokens.get(token) for token in tokens if token)


async def read_request(request: Request) -> AskRequest:
    """The body as an :class:`AskRequest`, or a 413, 415 or 422 saying what is wrong with it."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415, "send the question as JSON (Content-Type: application/json)")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, f"the request body is over {MAX_BODY_BYTES // 1024} KiB")
    try:
        return AskRequest.model_validate_json(bytes(body))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise HTTPException(422, f"not a valid question request ({problems})") from None


def ask_route(ctx: AppContext) -> APIRoute:
    """``POST /api/ask`` over ``ctx``, for ``launch``'s FastAPI app; at most :data:`ASK_WORKERS` answers
    (or one per answer process) at once."""
    workers = anyio.CapacityLimiter(ctx.ask_processes or ASK_WORKERS)

    async def ask(request: Request) -> JSONResponse:
        if foreign_origin(request):
            raise HTTPException(403, "requests from another site's page are refused")
        if not logged_in(request):
            raise HTTPException(401, "log in first: POST /login with username and password, then send its cookie")
        asked = await read_request(request)
        if not ctx.status.ready:
            raise HTTPException(503, ctx.status.error or ctx.status.message())
        try:
            k = ctx.settings.top_k if asked.k is None else bounded_k(asked.k)
            answer = partial(chat.answer_record, ctx, asked.question, k, asked.mode or ctx.settings.retrieval_mode,
                             asked.docs)
            return JSONResponse(await anyio.to_thread.run_sync(answer, limiter=workers))
        except gr.Error as exc:
            raise HTTPException(422, exc.message) from None

    return APIRoute(ASK_PATH, ask, methods=["POST"], include_in_schema=False)
