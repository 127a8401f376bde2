"""A two-document survey corpus, small enough to index in seconds, for the UI tests."""
from __future__ import annotations

from pathlib import Path

ALPHA = """Segmentation Test Models in Medical Imaging: A Short Survey

Ada Byron, Carl Dorn

Abstract

This survey reviews segmentation foundation models for medical images [1]. It compares their backbones and training data.

1. Introduction

Medical image segmentation outlines organs and lesions in scans [2]. Manual outlining is slow and varies between experts.

2. Models

MedSAM adapts the Segment Anything Model to medical images [1]. MedSAM uses a ViT-B image encoder as its backbone. It was fine-tuned on 1.57 million medical image-mask pairs covering ten imaging modalities.

SAM-Med2D fine-tunes SAM with adapters on 4.6 million medical images and 19.7 million masks [3].

Table 1: Summary of segmentation foundation models (M: million).

Model	Backbone	Training data	Date
MedSAM [1]	ViT-B	1.57M image-mask pairs	2024
SAM-Med2D [3]	ViT-B with adapters	4.6M images	2023

3. Conclusion

Segmentation foundation models transfer well across modalities but still struggle with small lesions.

References

[1] J. Ma, Y. He, F. Li, L. Han, C. You, and B. Wang, "Segment anything in medical images," Nature Communications, vol. 15, p. 654, 2024.
[2] O. Ronneberger, P. Fischer, and T. Brox, "U-Net: Convolutional networks for biomedical image segmentation," in MICCAI, 2015.
[3] J. Cheng et al., "SAM-Med2D," arXiv preprint arXiv:2308.16184, 2023.
"""

BETA = """Vision-Language Test Models for Radiology: A Brief Review

Eve Frost

Abstract

This review covers vision-language models that read chest radiographs and write reports [1].

1. Contrastive Pretraining

MedCLIP decouples images and texts to learn from unpaired chest X-ray data [1]. It was trained on about 570 thousand image-text pairs from CheXpert and MIMIC-CXR.

BiomedCLIP was pretrained on PMC-15M, a dataset of 15 million figure-caption pairs from PubMed Central [2].

2. Report Generation

Report generation models write a free-text findings section for a radiograph [3]. They are evaluated with BLEU and clinical efficacy metrics.

References

[1] Z. Wang, Z. Wu, D. Agarwal, and J. Sun, "MedCLIP: Contrastive learning from unpaired medical images and text," in EMNLP, 2022.
[2] S. Zhang et al., "BiomedCLIP: a multimodal biomedical foundation model pretrained from fifteen million scientific image-text pairs," arXiv:2303.00915, 2023.
[3] Z. Chen, Y. Song, T. Chang, and X. Wan, "Generating radiology reports via memory-driven transformer," in EMNLP, 2020.
"""

ZORBLAX = """Zorblax Notes: A Tiny Survey of Imaginary Models

1. Training

The Zorblax model was trained on 42 quintillion tokens. Its training took place on a cluster of moon-based computers.
"""


def write_corpus(folder: Path) -> Path:
    """Write the two survey files into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seg-survey.txt").write_text(ALPHA, encoding="utf-8")
    (folder / "vlm-review.txt").write_text(BETA, encoding="utf-8")
    return folder

PAPER_LIST = """# Awesome Test Radiology Models

## Models

- **QuillNet: Sparse Pretraining for Chest Radiographs (2023)** [[paper]](https://example.org/quillnet)
  - Authors: Nia Park *et al.*
  - Modality: Chest X-ray
  - Datasets: TestCXR-9
  <details><summary>Digest</summary>
  This paper introduces **QuillNet**, a sparse encoder pretrained on 2.4 million chest radiographs. :contentReference[oaicite:0]{index=0}
  </details>

## Datasets

- **TestCXR-9: A Public Database of Labelled Chest Radiographs (2021)** [[paper]](https://example.org/testcxr)
  - Authors: Rui Sato
  - Modality: Chest X-ray

## Survey

- **Radiology Models in Practice: A Survey (2024)** [[paper]](https://example.org/survey)
  - Authors: Tom Wells
"""


def write_extra_documents(folder: Path) -> list[Path]:
    """Add a markdown paper list and a two-column PDF survey to ``folder`` (browser tests)."""
    from tests.ui.survey_pdf import write_survey_pdf

    (folder / "paper-list.md").write_text(PAPER_LIST, encoding="utf-8")
    return [folder / "paper-list.md", write_survey_pdf(folder / "pixel-survey.pdf")]
