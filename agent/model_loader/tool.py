"""The ``demo_model`` LangChain tool: run a local demo of a model that a survey cites."""
from __future__ import annotations

from pathlib import Path

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from .demos import DemoResult, run_demo
from .registry import REGISTRY, ModelNotAllowed, find_spec

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}

_DESCRIPTION = """Run a small local demo of a model that a survey cites, to show what it does.
Allowed models: {models}.
Arguments:
- name: one of the allowed model names.
- input: for text models (all-MiniLM-L6-v2, PubMedBERT, BioBERT, Bio_ClinicalBERT) the text to compare with
  a few medical phrases (or 'text; phrase 1; phrase 2' to give your own phrases).
  For image models, an image file path and/or candidate labels separated by ';', e.g.
  '/data/cxr.png; a chest X-ray; a brain MRI'. CLIP-style models score the image against the labels; ViT/ResNet
  report the image embedding; SAM/MedSAM segment the image centre and save a mask overlay PNG.
  Without an image a synthetic test image is used. Leave input empty for a default example.
Only models whose weights are on this machine run; otherwise the reply says which files are missing."""


class DemoModelArgs(BaseModel):
    name: str = Field(description="Allowed model name, e.g. 'BiomedCLIP' or 'PubMedBERT'.")
    input: str = Field("", description="Text for text models; 'image path; label; label' for image models.")


def _parts(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(";") if part.strip()]


def demo_arguments(name: str, raw: str) -> dict:
    """run_demo keyword arguments parsed from the tool's free-text ``input``."""
    try:
        spec = find_spec(name)
    except ModelNotAllowed:
        return {}  # run_demo reports the allowlist
    parts = _parts(raw)
    if spec.input_type == "text":
        return {"text": parts[0] if parts else None, "labels": parts[1:] or None}
    images = [p for p in parts if Path(p).suffix.lower() in IMAGE_SUFFIXES or Path(p).is_file()]
    labels = [p for p in parts if p not in images]
    return {"image": images[0] if images else None, "labels": labels or None}


def summarize(result: DemoResult, top: int = 5) -> str:
    """A short text account of a demo for the agent."""
    if not result.ok:
        return f"Could not demo {result.name}: {result.message}"
    lines = [f"{result.name} ({result.family}): {result.message}."]
    if result.scores:
        lines.append("Top: " + "; ".join(f"{label} = {score:.3f}" for label, score in result.scores[:top]))
    if result.image_path:
        lines.append(f"Mask overlay: {result.image_path}")
    facts = {k: v for k, v in result.details.items() if k != "text"}
    if facts:
        lines.append("Details: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    return "\n".join(lines)


def make_demo_tool(model_dir: Path) -> BaseTool:
    """The ``demo_model`` tool bound to ``model_dir``."""

    def demo_model(name: str, input: str = "") -> str:
        return summarize(run_demo(name, model_dir=Path(model_dir), **demo_arguments(name, input)))

    return StructuredTool.from_function(
        func=demo_model,
        name="demo_model",
        description=_DESCRIPTION.format(models=", ".join(spec.name for spec in REGISTRY)),
        args_schema=DemoModelArgs,
        handle_tool_error=True,
    )
