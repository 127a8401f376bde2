"""Write small test PDFs with reportlab; each function writes ``path`` and returns it."""
from __future__ import annotations

import os
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph

# Vera ships with reportlab and has the U+FB01/U+FB02 ligature glyphs (Helvetica does not).
FONT = "Vera"
pdfmetrics.registerFont(TTFont(FONT, os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")))

HEADER = "Journal of Testing 2025"
WIDTH, HEIGHT = A4

SINGLE_COLUMN_PAGES = [
    [
        ("title", "A Survey of Testing Methods"),
        ("head", "1. Introduction"),
        "Testing is an efﬁcient way to study a ﬁeld of research and its methods.",
        "Recent work applies the transfor-",
        "mer architecture to many problems in this area.",
        "Medical segmentation models such as SAM-",
        "Med2D adapt general models to images.",
        "Case counts rose sharply during COVID-",
        "19 and testing demand followed.",
    ],
    [
        ("head", "2. Background"),
        "Background material is summarised here for the reader.",
        ("head", "2.1 Methods"),
        "We compare ﬂexible baselines on three benchmarks.",
        "Results are reported as mean accuracy over ﬁve seeds.",
    ],
    [
        ("head", "3. Conclusion"),
        "Testing remains an open problem worth further study.",
        ("head", "References"),
        "[1] A. Author, B. Author, Title one, Venue, 2020.",
        "[2] C. Author, Title two, Other Venue, 2021.",
    ],
]


def _canvas(path: Path, **kwargs) -> canvas.Canvas:
    return canvas.Canvas(str(path), pagesize=A4, **kwargs)


def single_column(path: Path) -> Path:
    """3 pages: title, numbered headings, a split word, ligatures, running header, page-number footers."""
    c = _canvas(path)
    for number, lines in enumerate(SINGLE_COLUMN_PAGES, start=1):
        c.setFont(FONT, 9)
        c.drawString(72, HEIGHT - 40, HEADER)
        y = HEIGHT - 100
        for line in lines:
            kind, text = line if isinstance(line, tuple) else ("body", line)
            c.setFont(FONT, {"title": 18, "head": 13}.get(kind, 11))
            if kind != "body":
                y -= 10
            c.drawString(72, y, text)
            y -= 24 if kind != "body" else 16
        c.setFont(FONT, 9)
        c.drawCentredString(WIDTH / 2, 30, str(number))
        c.showPage()
    c.save()
    return path


TWO_COLUMN_TOPICS = {
    (1, "left"): ["apples", "bridges", "comets", "dunes", "engines", "falcons"],
    (1, "right"): ["glaciers", "harbours", "islands", "jungles", "kettles", "lanterns"],
    (2, "left"): ["meadows", "nebulae", "orchards", "pebbles", "quarries", "rivers"],
    (2, "right"): ["saddles", "tundras", "umbrellas", "violins", "willows", "yachts"],
}


def two_column_sentences(page: int, column: str) -> list[str]:
    """The sentences placed in ``column`` ("left"/"right") of ``page``; each names a unique topic.

    Sentences differ in words, not just digits, so running-header detection leaves them alone.
    """
    return [f"{topic.capitalize()} belong to the {column} column." for topic in TWO_COLUMN_TOPICS[page, column]]


def two_column(path: Path) -> Path:
    """2 pages, each with a left and a right column of distinctive sentences (platypus frames)."""
    gap, margin = 20, 50
    col = (WIDTH - 2 * margin - gap) / 2
    frames = [
        Frame(margin, margin, col, HEIGHT - 2 * margin, id="left"),
        Frame(margin + col + gap, margin, col, HEIGHT - 2 * margin, id="right"),
    ]
    doc = BaseDocTemplate(str(path), pagesize=A4, pageTemplates=[PageTemplate(frames=frames)])
    style = getSampleStyleSheet()["BodyText"]
    story = []
    for page in (1, 2):
        for column in ("left", "right"):
            story += [Paragraph(s, style) for s in two_column_sentences(page, column)]
            story.append(FrameBreak())
    doc.build(story[:-1])
    return path


def encrypted(path: Path, user_password: str = "secret") -> Path:
    """One text page encrypted with ``user_password`` (empty = openable, owner password set)."""
    c = _canvas(path, encrypt=StandardEncryption(user_password, ownerPassword="owner"))
    c.drawString(72, 700, "This text is encrypted.")
    c.showPage()
    c.save()
    return path


def image_only(path: Path) -> Path:
    """Two pages holding only drawn shapes, no text operators."""
    c = _canvas(path)
    for _ in range(2):
        c.setFillColorRGB(0.2, 0.4, 0.8)
        c.rect(100, 400, 300, 200, fill=1)
        c.circle(250, 250, 60, fill=1)
        c.showPage()
    c.save()
    return path


def corrupt(path: Path) -> Path:
    """A valid single-column PDF truncated to half its bytes."""
    data = single_column(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def not_a_pdf(path: Path, kind: str = "png") -> Path:
    """PNG bytes (``kind="png"``) or plain text (``kind="text"``) under a .pdf name."""
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4 if kind == "png" else b"Just some notes.\n" * 50
    path.write_bytes(data)
    return path


def empty(path: Path) -> Path:
    """A zero-byte file."""
    path.write_bytes(b"")
    return path
