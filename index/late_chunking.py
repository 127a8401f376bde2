"""Late chunking: a chunk's vector and its answer units' vectors from one transformer pass.

Each chunk text goes through the model once. Its vector is the model's own output (mean pooling
and normalisation, what ``encode`` gives); a unit's vector is the normalised mean of the token
states that overlap the unit's character span in that text. A span the model's window cuts off
(``max_seq_length``), or that holds no token, gets a NaN row: the caller embeds that unit on its own.
"""
from __future__ import annotations

import numpy as np

from index.precision import precision_context

Span = tuple[int, int]


def encode_late(model, items: list[tuple[str, list[Span | None]]], precision: str = "fp32") -> list[np.ndarray]:
    """For each ``(text, spans)`` item, a float32 ``(1 + len(spans), dim)`` array: the text's vector,
    then one row per span (NaN for a span that is ``None``, cut off by the window, or empty)."""
    import torch

    if not items:
        return []
    stripped = [text.strip() for text, _ in items]  # sentence-transformers strips its inputs too
    leads = [len(text) - len(text.lstrip()) for text, _ in items]
    features = model.tokenizer(stripped, padding=True, truncation=True, max_length=model.max_seq_length,
                               return_tensors="pt", return_offsets_mapping=True)
    offsets = features.pop("offset_mapping").numpy()
    with torch.inference_mode(), precision_context(precision):
        output = model(dict(features))
    pooled = output["sentence_embedding"].float().numpy()
    states = output["token_embeddings"].float().numpy()
    out = []
    for row, ((_, spans), lead) in enumerate(zip(items, leads)):
        vectors = np.full((1 + len(spans), pooled.shape[1]), np.nan, np.float32)
        vectors[0] = pooled[row] / max(float(np.linalg.norm(pooled[row])), 1e-12)
        starts, ends = offsets[row, :, 0], offsets[row, :, 1]
        real = ends > starts  # special and padding tokens have empty offsets
        covered = int(ends[real].max()) if real.any() else 0
        whole = covered >= len(stripped[row].rstrip())
        for number, span in enumerate(spans, start=1):
            if span is None:
                continue
            start, end = span[0] - lead, span[1] - lead
            if not whole and end > covered:
                continue
            take = real & (starts < end) & (ends > start)
            if take.any():
                mean = states[row][take].mean(axis=0)
                vectors[number] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        out.append(vectors)
    return out
