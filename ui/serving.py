"""How the UI is served: read-only unless bound to loopback (or told otherwise), the optional
Gradio login, and the bounds of the HTTP ``/ask`` API."""
from __future__ import annotations

import ipaddress

import gradio as gr

from core.settings import Settings

MAX_K = 20  # most passages one question may retrieve, in the UI and over /ask


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); any other name or address,
    0.0.0.0 included, can be reached from other machines."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_only_for(host: str, settings: Settings) -> bool:
    """Whether a server on ``host`` refuses corpus changes: the ``read_only`` setting, else on
    unless ``host`` is loopback."""
    return settings.read_only if settings.read_only is not None else not is_loopback(host)


def logins(settings: Settings) -> list[tuple[str, str]] | None:
    """The ``ui_auth`` setting ("user:password,user2:password2") as Gradio's auth pairs; None when empty."""
    pairs = [entry.strip() for entry in settings.ui_auth.split(",") if entry.strip()]
    if any(":" not in pair or pair.startswith(":") for pair in pairs):
        raise ValueError("ui_auth must be user:password pairs separated by commas")
    return [tuple(pair.split(":", 1)) for pair in pairs] or None


def bounded_k(k) -> int:
    """``k`` as a passage count from 1 to :data:`MAX_K`, or a ``gr.Error`` saying what is allowed."""
    try:
        value = float(k)
    except (TypeError, ValueError):
        value = 0.0
    if isinstance(k, bool) or not value.is_integer() or not 1 <= value <= MAX_K:
        raise gr.Error(f"k must be a whole number from 1 to {MAX_K}, not {k!r}")
    return int(value)
