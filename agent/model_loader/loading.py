"""Load an allowlisted model from local safetensors weights only, with a memory guard and a timeout.

Every ``from_pretrained`` gets ``local_files_only=True``; remote code is never trusted.
Loaded models are kept in a small LRU cache keyed by (name, path).
"""
from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers / huggingface_hub are first imported

import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .registry import (
    ModelLoadError,
    ModelSpec,
    WeightsMissing,
    check_weights,
    default_max_weight_bytes,
    missing_message,
    weights_location,
)

CACHE_SIZE = 2
_LOCAL = {"local_files_only": True}
_WEIGHTS = {"local_files_only": True, "use_safetensors": True}


@dataclass(frozen=True)
class LoadedModel:
    """A model in eval mode with its tokenizer / processor (None for sentence-transformers)."""

    spec: ModelSpec
    path: Path
    model: Any
    processor: Any


_cache: OrderedDict[tuple[str, str], LoadedModel] = OrderedDict()
_cache_lock = threading.Lock()


def _sentence_transformer(path: Path):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu", local_files_only=True,
                                model_kwargs={"use_safetensors": True})
    return model, None


def _bert(path: Path):
    from transformers import AutoModel, AutoTokenizer

    return AutoModel.from_pretrained(path, **_WEIGHTS), AutoTokenizer.from_pretrained(path, **_LOCAL)


def _image_processor(path: Path, size: int, mean, std):
    """The checkpoint's image processor, else a plain resize + normalise to ``size``."""
    from transformers import AutoImageProcessor, ViTImageProcessor

    try:
        return AutoImageProcessor.from_pretrained(path, **_LOCAL)
    except (OSError, ValueError):
        return ViTImageProcessor(size={"height": size, "width": size}, image_mean=mean, image_std=std)


def _clip(path: Path):
    from transformers import AutoTokenizer, CLIPModel, CLIPProcessor
    from transformers.image_utils import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD

    model = CLIPModel.from_pretrained(path, **_WEIGHTS)
    try:
        processor = CLIPProcessor.from_pretrained(path, **_LOCAL)
    except (OSError, ValueError):  # incomplete processor files: assemble from the parts
        size = model.config.vision_config.image_size
        processor = CLIPProcessor(image_processor=_image_processor(path, size, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD),
                                  tokenizer=AutoTokenizer.from_pretrained(path, **_LOCAL))
    return model, processor


def _vit(path: Path):
    from transformers import ViTModel
    from transformers.image_utils import IMAGENET_STANDARD_MEAN, IMAGENET_STANDARD_STD

    model = ViTModel.from_pretrained(path, **_WEIGHTS)
    return model, _image_processor(path, model.config.image_size, IMAGENET_STANDARD_MEAN, IMAGENET_STANDARD_STD)


def _resnet(path: Path):
    from transformers import ResNetModel
    from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

    return ResNetModel.from_pretrained(path, **_WEIGHTS), _image_processor(path, 224, IMAGENET_DEFAULT_MEAN,
                                                                           IMAGENET_DEFAULT_STD)


def _sam(path: Path):
    from transformers import SamModel, SamProcessor

    return SamModel.from_pretrained(path, **_WEIGHTS), SamProcessor.from_pretrained(path, **_LOCAL)


_LOADERS: dict[str, Callable[[Path], tuple[Any, Any]]] = {
    "sentence-transformers": _sentence_transformer,
    "bert": _bert,
    "clip": _clip,
    "vit": _vit,
    "resnet": _resnet,
    "sam": _sam,
}


def _call_with_timeout(fn: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """``fn()`` in a daemon thread; a load that overruns is abandoned, not killed."""
    future: Future = Future()

    def work():
        try:
            future.set_result(fn())
        except BaseException as exc:  # handed to the caller below
            future.set_exception(exc)

    threading.Thread(target=work, name=f"load-{what}", daemon=True).start()
    try:
        return future.result(timeout=timeout_s)
    except TimeoutError:
        raise ModelLoadError(f"loading {what} timed out after {timeout_s} s") from None


def load(spec: ModelSpec, model_dir: Path, timeout_s: float = 120,
         max_weight_bytes: int | None = None) -> LoadedModel:
    """Load ``spec`` from local weights (cached); raises WeightsMissing or ModelLoadError."""
    path = weights_location(spec, model_dir)
    if path is None:
        raise WeightsMissing(missing_message(spec, model_dir))
    key = (spec.name, str(path))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    check_weights(path, max_weight_bytes or default_max_weight_bytes())
    try:
        model, processor = _call_with_timeout(lambda: _LOADERS[spec.family](path), timeout_s, spec.name)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"could not load {spec.name} from {path}: {exc}") from exc
    if hasattr(model, "eval"):
        model.eval()
    loaded = LoadedModel(spec, path, model, processor)
    with _cache_lock:
        _cache[key] = loaded
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def clear_cache() -> None:
    """Forget every cached model."""
    with _cache_lock:
        _cache.clear()
