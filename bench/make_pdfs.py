"""Generated survey-like PDFs for the ingest benchmark: multi-page, two columns, tables, references.

Deterministic for a seed. Four layouts: US letter two columns; A4 two columns under a
full-width title block; A4 two narrow columns in a small font; letter three columns. Each paper
has an abstract, numbered sections of prose citing ``[n]``, one or two tables of models, a running
header and page numbers, and a numbered reference list.

Run:  .venv/bin/python bench/make_pdfs.py OUT_DIR [--count 50] [--seed 0]
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

TOPICS = ["segmentation", "report generation", "visual question answering", "retrieval", "classification",
          "registration", "detection", "survival prediction", "pathology", "radiology", "ophthalmology", "dermatology"]
MODALITIES = ["CT", "MRI", "X-ray", "ultrasound", "whole-slide images", "fundus photographs", "endoscopy video"]
BACKBONES = ["ViT-B/16", "ViT-L/14", "ResNet-50", "Swin-T", "ConvNeXt-S", "BERT-base", "PubMedBERT", "LLaMA-7B"]
VERBS = ["improves", "matches", "outperforms", "underperforms", "generalises to", "transfers to", "is evaluated on"]
NOUNS = ["the encoder", "the decoder", "contrastive pre-training", "the prompt encoder", "instruction tuning",
         "the adapter", "the vision tower", "masked image modelling", "the language head", "the fusion module"]
VENUES = ["MICCAI", "CVPR", "NeurIPS", "Nature Medicine", "Medical Image Analysis", "IEEE TMI", "ICLR", "Radiology"]
LAYOUTS = ["letter-2col", "a4-2col-title", "a4-2col-small", "letter-3col"]


def _name(rng: random.Random) -> str:
    return rng.choice(["Med", "Path", "Rad", "Bio", "Onco", "Derm", "Retina", "Cardio"]) + rng.choice(
        ["SAM", "CLIP", "GPT", "Former", "Net", "ViT", "DINO", "LLaVA"]) + rng.choice(["", "-2", "++", "-XL", "-Lite"])


def _sentence(rng: random.Random, models: list[str], refs: int) -> str:
    model, other = rng.sample(models, 2)
    pattern = rng.randrange(4)
    cite = f" [{rng.randint(1, refs)}]"
    if pattern == 0:
        return (f"{model} {rng.choice(VERBS)} {other} on {rng.choice(MODALITIES)} {rng.choice(TOPICS)} when "
                f"{rng.choice(NOUNS)} is trained on {rng.randint(2, 900)}k images{cite}.")
    if pattern == 1:
        return (f"Trained with {rng.choice(NOUNS)} on a {rng.choice(BACKBONES)} backbone, {model} reaches a Dice "
                f"score of {rng.uniform(0.6, 0.95):.3f} on {rng.choice(MODALITIES)}{cite}.")
    if pattern == 2:
        return (f"Several works report that {rng.choice(NOUNS)} matters more than model size for "
                f"{rng.choice(TOPICS)}, although {other} shows the opposite trend on {rng.choice(MODALITIES)}{cite}.")
    return (f"In contrast to {other}, {model} freezes {rng.choice(NOUNS)} and fine-tunes only "
            f"{rng.randint(1, 40)}% of its parameters, which halves the cost of adaptation{cite}.")


def _paragraph(rng: random.Random, models: list[str], refs: int) -> str:
    return " ".join(_sentence(rng, models, refs) for _ in range(rng.randint(4, 8)))


def _story(rng: random.Random, title: str, styles, refs: int, models: list[str], layout: str) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    body, head = styles["BodyText"], styles["Heading2"]
    story = [Paragraph("Abstract", head), Paragraph(_paragraph(rng, models, refs), body)]
    sections = ["Introduction", "Background", "Models", "Datasets", "Evaluation", "Discussion", "Outlook"]
    table_at = set(rng.sample(range(2, len(sections)), 2 if layout != "a4-2col-small" else 1))
    for number, section in enumerate(sections, start=1):
        story.append(Paragraph(f"{number}. {section}", head))
        for _ in range(rng.randint(1, 2)):
            story.append(Paragraph(_paragraph(rng, models, refs), body))
        if number - 1 in table_at:
            rows = [["Model", "Backbone", "Modality", "Params", "Score"]]
            rows += [[m, rng.choice(BACKBONES), rng.choice(MODALITIES).split()[0], f"{rng.randint(20, 900)}M",
                      f"{rng.uniform(50, 95):.1f}"] for m in rng.sample(models, min(len(models), rng.randint(4, 7)))]
            story.append(Paragraph(f"Table {len(table_at & set(range(number)))}: {section.lower()} of the models.",
                                   styles["Italic"]))
            table = Table(rows, repeatRows=1)
            table.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 6.5), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]))
            story += [table, Spacer(1, 6)]
    story.append(Paragraph("References", head))
    for number in range(1, refs + 1):
        authors = ", ".join(f"{rng.choice('ABCDEFGHJKLMNPRSTW')}. {rng.choice(['Li', 'Wang', 'Smith', 'Müller', 'Kim', 'Garcia', 'Chen', 'Ito'])}"
                            for _ in range(rng.randint(1, 4)))
        story.append(Paragraph(f"[{number}] {authors}. {_name(rng)}: {rng.choice(NOUNS)} for {rng.choice(TOPICS)}. "
                               f"{rng.choice(VENUES)}, {rng.randint(2015, 2026)}.", styles["Normal"]))
    return story


def make_pdf(path: Path, seed: int, layout: str) -> None:
    """One generated survey at ``path`` in ``layout`` (one of :data:`LAYOUTS`)."""
    from reportlab.lib.pagesizes import A4, letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageTemplate, Paragraph

    rng = random.Random(seed)
    size = A4 if layout.startswith("a4") else letter
    columns = 3 if layout == "letter-3col" else 2
    styles = getSampleStyleSheet()
    font = 7.5 if layout == "a4-2col-small" else 9
    for name in ("BodyText", "Normal", "Italic"):
        styles[name].fontSize, styles[name].leading = font, font * 1.2
    models = list({_name(rng) for _ in range(20)})
    title = f"A Survey of Foundation Models for {rng.choice(MODALITIES)} {rng.choice(TOPICS).title()} ({seed})"
    margin, gutter = 40, 14 if layout != "a4-2col-title" else 22
    width, height = size
    column = (width - 2 * margin - (columns - 1) * gutter) / columns

    def frames(top: float) -> list:
        return [Frame(margin + i * (column + gutter), margin, column, top - margin, id=f"c{i}", showBoundary=0)
                for i in range(columns)]

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(margin, height - 25, title[:90])
        canvas.drawRightString(width - margin, 20, str(doc.page))
        canvas.restoreState()

    doc = BaseDocTemplate(str(path), pagesize=size, title=title, leftMargin=margin, rightMargin=margin)
    first_top = height - margin - (90 if layout == "a4-2col-title" else 40)
    title_frame = Frame(margin, first_top, width - 2 * margin, height - margin - first_top, id="title")
    doc.addPageTemplates([PageTemplate("first", [title_frame] + frames(first_top), onPage=decorate),
                          PageTemplate("rest", frames(height - margin), onPage=decorate)])
    refs = rng.randint(20, 40)
    story = [Paragraph(title, styles["Title"]), NextPageTemplate("rest")]
    story += _story(rng, title, styles, refs, models, layout)
    doc.build(story)


def make_corpus(folder: Path, count: int = 50, seed: int = 0) -> list[Path]:
    """``count`` generated PDFs in ``folder`` (made once: existing files are kept), cycling the layouts."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        layout = LAYOUTS[number % len(LAYOUTS)]
        path = folder / f"survey-{seed}-{number:03d}-{layout}.pdf"
        if not path.exists():
            make_pdf(path, seed * 10_000 + number, layout)
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{len(make_corpus(args.out, args.count, args.seed))} PDFs in {args.out}")
