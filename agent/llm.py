"""Chat-model backends, chosen by settings and imported only when used, and the LLM answerer
(write mode or the tool-calling agent) that :meth:`surveyqa.service.SurveyQA.ask` dispatches to."""
from __future__ import annotations

import threading
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

# backend -> (extra to install, packages it brings)
EXTRAS = {"openai": ("openai", "langchain-openai"), "ollama": ("ollama", "langchain-ollama"),
          "llamacpp": ("llm-local", "xllamacpp, langchain-openai")}

_servers: dict[tuple, object] = {}
_servers_lock = threading.Lock()


class BackendUnavailable(RuntimeError):
    """The configured LLM backend cannot be used; the message names what to install or set."""


def model_name(settings) -> str:
    """The model's name as recorded with each answer (a GGUF path's file name)."""
    return Path(settings.llm_model).name if settings.llm_backend == "llamacpp" else settings.llm_model


def local_server_url(settings) -> str:
    """Base URL of an in-process llama.cpp server (xllamacpp) for the GGUF file ``llm_model``,
    listening on loopback only; started once per process for each file, thread and context setting."""
    path = Path(settings.llm_model)
    if not path.is_file():
        raise BackendUnavailable(f"llm_backend='llamacpp' needs SURVEYQA_LLM_MODEL to be a GGUF file; {path} is not one")
    key = (str(path.resolve()), settings.llm_threads, settings.llm_context)
    with _servers_lock:
        if key not in _servers:
            import xllamacpp

            params = xllamacpp.CommonParams()
            params.model.path = key[0]
            params.n_ctx = settings.llm_context
            params.cpuparams.n_threads = params.cpuparams_batch.n_threads = settings.llm_threads
            params.n_parallel = 1
            params.hostnames = ["127.0.0.1"]
            params.offline = True  # never fetch anything
            params.warmup = False
            params.verbosity = 0  # llama.cpp's own log is silent; a failure to load raises here
            try:
                _servers[key] = xllamacpp.Server(params)
            except RuntimeError as exc:
                raise BackendUnavailable(f"llama.cpp could not load {path} as a GGUF model ({exc})") from exc
        return _servers[key].listening_address


def make_chat_model(settings) -> BaseChatModel | None:
    """The configured chat model, or None when ``llm_backend`` is ``none`` (extractive answers).
    The llamacpp backend serves the GGUF file in-process and talks to it as an OpenAI endpoint."""
    backend = settings.llm_backend
    if backend == "none":
        return None
    if not settings.llm_model:
        raise BackendUnavailable(f"llm_backend={backend!r} needs SURVEYQA_LLM_MODEL (a model name or GGUF path)")
    try:
        if backend == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or None, temperature=0,
                              num_predict=settings.llm_max_tokens)
        from langchain_openai import ChatOpenAI

        base_url = f"{local_server_url(settings)}/v1" if backend == "llamacpp" else settings.llm_base_url or None
        return ChatOpenAI(model=model_name(settings), base_url=base_url, api_key=settings.llm_api_key or "not-needed",
                          temperature=0, max_tokens=settings.llm_max_tokens)
    except ImportError as exc:
        extra, packages = EXTRAS[backend]
        raise BackendUnavailable(
            f"the {backend} backend needs the optional extra: pip install 'surveyqa[{extra}]' ({packages})"
        ) from exc


def usage(name: str, messages: list[BaseMessage]) -> dict:
    """The ``llm`` field of an answer record: model name, model calls and tokens used."""
    replies = [m for m in messages if isinstance(m, AIMessage)]
    counts = [m.usage_metadata or {} for m in replies]
    return {"model": name, "calls": len(replies), "input_tokens": sum(c.get("input_tokens", 0) for c in counts),
            "output_tokens": sum(c.get("output_tokens", 0) for c in counts)}
