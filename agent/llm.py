"""Chat-model backends, chosen by settings and imported only when used."""
from __future__ import annotations

from langchain_core.language_models import BaseChatModel

EXTRAS = {"openai": "langchain-openai", "ollama": "langchain-ollama", "llamacpp": "llama-cpp-python"}


class BackendUnavailable(RuntimeError):
    """The configured LLM backend cannot be used; the message names what to install or set."""


def make_chat_model(settings) -> BaseChatModel | None:
    """The configured chat model, or None when ``llm_backend`` is ``none`` (extractive answers)."""
    backend = settings.llm_backend
    if backend == "none":
        return None
    if not settings.llm_model:
        raise BackendUnavailable(f"llm_backend={backend!r} needs SURVEYQA_LLM_MODEL (a model name or GGUF path)")
    try:
        if backend == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url or None,
                              api_key=settings.llm_api_key or "not-needed", temperature=0)
        if backend == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or None, temperature=0)
        from langchain_community.chat_models import ChatLlamaCpp

        return ChatLlamaCpp(model_path=settings.llm_model, temperature=0, n_ctx=8192)
    except ImportError as exc:
        raise BackendUnavailable(
            f"the {backend} backend needs the optional extra: pip install 'surveyqa[{backend}]' ({EXTRAS[backend]})"
        ) from exc
