"""A small two-column survey PDF (reportlab), for the page view tests: title and abstract across
the page, then two columns of numbered sections; the fact the tests cite, ``FACT``, sits in the
right column of page 2."""
from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, NextPageTemplate, PageTemplate, Paragraph

WIDTH, HEIGHT = A4
MARGIN, GUTTER = 50, 20
FACT = ("PixelMedNet was pretrained on 3.2 million chest radiographs collected from twelve hospitals, "
        "and its encoder is a convolutional ResNet-50 backbone.")
TITLE = "Pixel Models for Radiology: A Two-Column Survey"
_FILLER = ("Foundation models for radiology are trained on large collections of images and reports. "
           "Surveys compare their backbones, training data and evaluation protocols across imaging modalities. ")


def _columns(top: float) -> list[Frame]:
    column = (WIDTH - 2 * MARGIN - GUTTER) / 2
    return [Frame(MARGIN + i * (column + GUTTER), MARGIN, column, top - MARGIN, id=f"col{i}") for i in range(2)]


def write_survey_pdf(path: Path) -> Path:
    """Write the survey to ``path`` and return it."""
    styles = getSampleStyleSheet()
    body, head = styles["BodyText"], styles["Heading2"]
    header_height = 150
    first = [Frame(MARGIN, HEIGHT - MARGIN - header_height, WIDTH - 2 * MARGIN, header_height, id="head"),
             *_columns(HEIGHT - MARGIN - header_height)]
    doc = BaseDocTemplate(str(path), pagesize=A4, title=TITLE)
    doc.addPageTemplates([PageTemplate("first", frames=first), PageTemplate("later", frames=_columns(HEIGHT - MARGIN))])
    story = [Paragraph(TITLE, styles["Title"]), Paragraph("Iris Lane, Omar Quist", body),
             Paragraph("Abstract: this survey reviews pixel-level foundation models for chest radiographs [1].", body),
             NextPageTemplate("later"), FrameBreak()]
    story += [Paragraph("1. Introduction", head)] + [Paragraph(_FILLER * 3, body) for _ in range(5)]
    story += [Paragraph("2. Models", head)] + [Paragraph(_FILLER * 3, body) for _ in range(9)]
    story += [Paragraph(FACT, body)] + [Paragraph(_FILLER * 2, body) for _ in range(2)]
    story += [Paragraph("3. Conclusion", head), Paragraph("Pixel-level models transfer well between hospitals.", body),
              Paragraph("References", head),
              Paragraph("[1] I. Lane, \"PixelMedNet: pixel-level pretraining for radiographs,\" in MICCAI, 2024.", body)]
    doc.build(story)
    return path
