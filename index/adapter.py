"""A linear map on question vectors, fitted on (question, evidence passage) pairs, so that a
question lands near the passage that answers it rather than near passages that merely resemble
it (all-MiniLM-L6-v2 is trained for symmetric similarity). Passage vectors are untouched, so an
adapter never changes the index. Stored as a plain ``.npy`` matrix (never pickled) beside a JSON
card saying which embedding model, data and strength it was fitted with."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class AdapterError(ValueError):
    """The adapter file cannot be used with this embedding model."""


@dataclass
class QueryAdapter:
    """``normalise(matrix @ vector)``; ``card`` records what it was fitted on."""

    matrix: np.ndarray
    card: dict

    def __call__(self, vector: np.ndarray) -> np.ndarray:
        mapped = self.matrix @ vector
        return (mapped / (np.linalg.norm(mapped) or 1.0)).astype(np.float32)


def card_path(path: Path) -> Path:
    return path.with_suffix(".json")


def save_adapter(path: Path, adapter: QueryAdapter) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, adapter.matrix.astype(np.float32), allow_pickle=False)
    card_path(path).write_text(json.dumps(adapter.card, indent=2) + "\n")


def load_adapter(path: Path, model: str, dimension: int) -> QueryAdapter:
    """The adapter at ``path``, checked against the embedding ``model`` and its ``dimension``."""
    try:
        matrix = np.load(path, allow_pickle=False)
        card = json.loads(card_path(path).read_text())
    except (OSError, ValueError) as exc:
        raise AdapterError(f"query adapter {path} cannot be read ({exc}); set query_adapter to '' to run without it") from exc
    if matrix.shape != (dimension, dimension) or not np.isfinite(matrix).all():
        raise AdapterError(f"query adapter {path} is a {matrix.shape} matrix; the embedder needs a finite "
                           f"{dimension}x{dimension} one")
    if Path(str(card.get("model", ""))).name != Path(model).name:
        raise AdapterError(f"query adapter {path} was fitted for embedding model {card.get('model')!r}, not {model!r}")
    return QueryAdapter(matrix.astype(np.float32), card)


@dataclass
class Example:
    """One training question: its vector, the vectors of the passages it is asked among (its
    paper or corpus), and which of them hold its evidence."""

    question: np.ndarray
    passages: np.ndarray
    relevant: np.ndarray  # bool per passage


def fit_matrix(examples: list[Example], strength: float, temperature: float = 0.05, steps: int = 300,
               learning_rate: float = 1e-3, seed: int = 0) -> np.ndarray:
    """The matrix ``W`` (started at the identity) minimising, over ``examples``, the softmax loss
    of the evidence passages among the passages asked among, plus ``strength * ||W - I||^2``:
    the pull back to the identity is what keeps 500 questions from being memorised."""
    import torch

    torch.manual_seed(seed)
    width = max(len(e.passages) for e in examples)
    dimension = examples[0].question.shape[0]
    passages = np.zeros((len(examples), width, dimension), np.float32)
    relevant = np.zeros((len(examples), width), bool)
    present = np.zeros((len(examples), width), bool)
    for i, e in enumerate(examples):
        passages[i, :len(e.passages)], relevant[i, :len(e.passages)], present[i, :len(e.passages)] = (
            e.passages, e.relevant, True)
    questions = torch.tensor(np.stack([e.question for e in examples]))
    passages, relevant, present = torch.tensor(passages), torch.tensor(relevant), torch.tensor(present)
    identity = torch.eye(dimension)
    matrix = identity.clone().requires_grad_(True)
    optimiser = torch.optim.Adam([matrix], lr=learning_rate)
    for _ in range(steps):
        optimiser.zero_grad()
        mapped = questions @ matrix.T
        mapped = mapped / mapped.norm(dim=1, keepdim=True)
        logits = torch.einsum("npd,nd->np", passages, mapped) / temperature
        loss = (torch.logsumexp(logits.masked_fill(~present, -1e9), 1)
                - torch.logsumexp(logits.masked_fill(~relevant, -1e9), 1)).mean()
        (loss + strength * ((matrix - identity) ** 2).sum()).backward()
        optimiser.step()
    return matrix.detach().numpy()
