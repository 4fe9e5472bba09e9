"""A small PDF drawn on the spot: the demo's repair guide, so `/manual` has something to send."""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas


def sample_guide(model: str, lines: list[str]) -> bytes:
    """One A4 page: the model as a heading and `lines` below it (ASCII text)."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(f"{model} repair guide")
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(50, 790, f"{model} - repair guide (demo)")
    canvas.setFont("Helvetica", 11)
    for index, line in enumerate(lines):
        canvas.drawString(50, 760 - 18 * index, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
