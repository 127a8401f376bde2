"""Local, allowlisted loading and demos of models that the surveys cite (never downloads)."""
from .demos import DemoInputError, DemoResult, pattern_image, run_demo
from .loading import LoadedModel, clear_cache, load
from .registry import (
    REGISTRY,
    ModelLoadError,
    ModelLoaderError,
    ModelNotAllowed,
    ModelSpec,
    WeightsMissing,
    allowed_names,
    find_spec,
    status,
    weights_location,
)
from .tool import make_demo_tool, summarize

__all__ = [
    "REGISTRY",
    "DemoInputError",
    "DemoResult",
    "LoadedModel",
    "ModelLoadError",
    "ModelLoaderError",
    "ModelNotAllowed",
    "ModelSpec",
    "WeightsMissing",
    "allowed_names",
    "clear_cache",
    "find_spec",
    "load",
    "make_demo_tool",
    "pattern_image",
    "run_demo",
    "status",
    "summarize",
    "weights_location",
]
