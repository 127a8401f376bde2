"""Model folders may hold safetensors weights only: a pickle-format file (which ``torch.load``
would unpickle) is refused wherever it is, submodules such as ``2_Dense/`` included."""
from __future__ import annotations

from pathlib import Path

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


class PickledWeights(ValueError):
    """A model folder holds a pickle-format weight file."""


def refuse_pickled_weights(folder: Path) -> None:
    """Raise :class:`PickledWeights` naming the first pickle-format file under ``folder``."""
    found = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in PICKLE_SUFFIXES and p.is_file())
    if found:
        raise PickledWeights(f"refusing the model in {folder}: {found[0]} holds pickled {found[0].suffix} weights "
                             f"({len(found)} pickle-format file(s)); only .safetensors weights are loaded, so "
                             "remove or convert them (most hub repos publish model.safetensors)")
