"""Small, honest demos of an allowlisted model on a text or an image."""
from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, UnidentifiedImageError

from .loading import LoadedModel, load
from .registry import ModelLoaderError, ModelNotAllowed, find_spec

DEFAULT_TEXT = "chest x-ray showing pneumonia"
DEFAULT_PHRASES = (
    "a chest radiograph with lung opacity",
    "a brain MRI with a tumour",
    "a histopathology slide of cancer tissue",
    "a retinal fundus photograph",
    "the stock market fell sharply today",
)
DEFAULT_LABELS = ("a chest X-ray", "a brain MRI", "a histopathology slide", "a fundus photograph")
REFERENCE_PATTERNS = ("gradient", "checkerboard", "noise")


class DemoInputError(ModelLoaderError):
    """The demo's input (e.g. an image path) is unusable."""


@dataclass
class DemoResult:
    """Outcome of one demo; ``scores`` are (label, score) pairs, best first."""

    name: str
    family: str
    ok: bool
    message: str
    scores: list[tuple[str, float]] = field(default_factory=list)
    image_path: str | None = None
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """A JSON-serialisable dict."""
        return asdict(self)


def pattern_image(kind: str = "synthetic", size: int = 224) -> Image.Image:
    """A generated RGB test image: 'synthetic' (bright disc on a gradient), 'gradient', 'checkerboard' or 'noise'."""
    y, x = np.mgrid[0:size, 0:size] / size
    if kind == "synthetic":
        grey = 0.3 * x + 0.7 * (((x - 0.5) ** 2 + (y - 0.5) ** 2) < 0.06)
    elif kind == "gradient":
        grey = (x + y) / 2
    elif kind == "checkerboard":
        grey = ((x * 8).astype(int) + (y * 8).astype(int)) % 2
    elif kind == "noise":
        grey = np.random.default_rng(0).random((size, size))
    else:
        raise ValueError(f"unknown pattern {kind!r}")
    return Image.fromarray((np.clip(grey, 0, 1) * 255).astype(np.uint8)).convert("RGB")


def _open_image(image) -> tuple[Image.Image, str]:
    """The image as RGB, and how to name it in messages."""
    if image is None:
        return pattern_image(), "a synthetic test image (no image given)"
    if isinstance(image, Image.Image):
        return image.convert("RGB"), "the given image"
    if not isinstance(image, (str, Path)):
        raise TypeError(f"image must be a path or a PIL image, not {type(image).__name__}")
    try:
        with Image.open(image) as opened:
            return opened.convert("RGB"), f"image {image}"
    except FileNotFoundError:
        raise DemoInputError(f"image not found: {image}") from None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise DemoInputError(f"cannot read image {image}: {exc}") from None


def _ranked(labels, values) -> list[tuple[str, float]]:
    return sorted(((str(label), round(float(v), 4)) for label, v in zip(labels, values)), key=lambda p: -p[1])


def _max_tokens(tokenizer, text_config) -> int:
    """Truncation length: the tokenizer's limit, capped by the model's position embeddings."""
    return min(tokenizer.model_max_length, getattr(text_config, "max_position_embeddings", 512))


def _embed_texts(loaded: LoadedModel, texts: list[str]) -> torch.Tensor:
    """Unit-length mean-pooled text embeddings."""
    if loaded.processor is None:  # sentence-transformers pools itself
        return loaded.model.encode(texts, convert_to_tensor=True, normalize_embeddings=True).cpu()
    batch = loaded.processor(texts, padding=True, truncation=True, return_tensors="pt",
                             max_length=_max_tokens(loaded.processor, loaded.model.config))
    hidden = loaded.model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return F.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1), dim=-1)


def _text_demo(loaded, text, image, labels) -> DemoResult:
    phrases = labels or list(DEFAULT_PHRASES)
    query = text or DEFAULT_TEXT
    emb = _embed_texts(loaded, [query, *phrases])
    scores = _ranked(phrases, emb[1:] @ emb[0])
    given = "" if text else " (no text given: used an example)"
    return _result(loaded, f"cosine similarity of '{query}'{given} to {len(phrases)} phrases", scores,
                   details={"text": query, "embedding_dim": int(emb.shape[1])})


def _clip_demo(loaded, text, image, labels) -> DemoResult:
    img, source = _open_image(image)
    candidates = labels or list(DEFAULT_LABELS)
    limit = _max_tokens(loaded.processor.tokenizer, loaded.model.config.text_config)
    batch = loaded.processor(text=candidates, images=img, return_tensors="pt", padding=True, truncation=True,
                             max_length=limit)
    probs = loaded.model(**batch).logits_per_image.softmax(-1)[0]
    return _result(loaded, f"zero-shot label probabilities for {source}", _ranked(candidates, probs))


def _embed_images(loaded: LoadedModel, images: list[Image.Image]) -> tuple[torch.Tensor, list[int]]:
    """Mean-pooled image embeddings, and the shape of one image's raw feature map."""
    hidden = loaded.model(**loaded.processor(images=images, return_tensors="pt")).last_hidden_state
    pooled = hidden.mean(dim=1) if hidden.dim() == 3 else hidden.mean(dim=(2, 3))
    return pooled, list(hidden.shape[1:])


def _image_encoder_demo(loaded, text, image, labels) -> DemoResult:
    img, source = _open_image(image)
    pooled, shape = _embed_images(loaded, [img, *(pattern_image(k) for k in REFERENCE_PATTERNS)])
    unit = F.normalize(pooled, dim=-1)
    scores = _ranked(REFERENCE_PATTERNS, unit[1:] @ unit[0])
    return _result(loaded, f"embedded {source}; scores are cosine similarities to synthetic reference images",
                   scores, details={"feature_shape": shape, "embedding_dim": int(pooled.shape[1]),
                                    "embedding_norm": round(float(pooled[0].norm()), 4)})


def _sam_demo(loaded, text, image, labels) -> DemoResult:
    img, source = _open_image(image)
    w, h = img.size
    box = [w / 4, h / 4, 3 * w / 4, 3 * h / 4]
    batch = loaded.processor(images=img, input_boxes=[[box]], return_tensors="pt")
    out = loaded.model(**batch, multimask_output=False)
    masks = loaded.processor.image_processor.post_process_masks(
        out.pred_masks, batch["original_sizes"], batch["reshaped_input_sizes"])
    mask = masks[0][0, 0].numpy().astype(bool)
    overlay = np.asarray(img, dtype=np.float32).copy()
    overlay[mask] = 0.5 * overlay[mask] + 0.5 * np.array([255, 0, 0], dtype=np.float32)
    picture = Image.fromarray(overlay.astype(np.uint8))
    ImageDraw.Draw(picture).rectangle(box, outline=(0, 255, 0), width=max(1, w // 150))
    with tempfile.NamedTemporaryFile(prefix=f"surveyqa-{loaded.spec.name}-", suffix=".png", delete=False) as f:
        picture.save(f, format="PNG")
    details = {"mask_area_fraction": round(float(mask.mean()), 4), "box": [round(v, 1) for v in box],
               "iou_score": round(float(out.iou_scores.flatten()[0]), 4)}
    return _result(loaded, f"segmented {source} from a centre box prompt; mask overlay (red) saved", [],
                   image_path=f.name, details=details)


def _result(loaded: LoadedModel, message: str, scores, **extra) -> DemoResult:
    return DemoResult(loaded.spec.name, loaded.spec.family, True, message, scores, **extra)


_DEMOS = {
    "sentence-transformers": _text_demo,
    "bert": _text_demo,
    "clip": _clip_demo,
    "vit": _image_encoder_demo,
    "resnet": _image_encoder_demo,
    "sam": _sam_demo,
}
_LABEL_FAMILIES = ("sentence-transformers", "bert", "clip")


def run_demo(name: str, text: str | None = None, image: str | Path | Image.Image | None = None,
             labels: list[str] | None = None, *, model_dir: Path, timeout_s: float = 120) -> DemoResult:
    """Demo the model ``name``; unknown names, missing weights and bad inputs give ``ok=False``."""
    try:
        spec = find_spec(name)
    except ModelNotAllowed as exc:
        return DemoResult(name, "", False, str(exc))
    try:
        loaded = load(spec, Path(model_dir), timeout_s=timeout_s)
        with torch.inference_mode():
            result = _DEMOS[spec.family](loaded, text, image, labels)
    except ModelLoaderError as exc:
        return DemoResult(spec.name, spec.family, False, str(exc))
    except Exception as exc:  # a bad input or a model error must not take the caller (agent, UI) down
        return DemoResult(spec.name, spec.family, False, f"the demo failed ({type(exc).__name__}: {exc})")
    ignored = [what for what, given, used in (("image", image is not None, spec.input_type != "text"),
                                              ("text", bool(text), spec.input_type == "text"),
                                              ("labels", bool(labels), spec.family in _LABEL_FAMILIES))
               if given and not used]
    if ignored:
        result.message += f" ({' and '.join(ignored)} ignored: {spec.name} does not use them)"
    return result
