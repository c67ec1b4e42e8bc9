"""Renders the enclosures shipped with the templates from their text (`<name>.txt` →
`<name>.pdf`): `python services/notifications/templates/_enclosures/render_leaflets.py`.

See PROVENANCE.md: the text is Redress's own summary, a stand-in for the publisher's
leaflet, which an operator puts in its place (REDRESS_TEMPLATES_DIR)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).parent
NOTE = (
    "Prepared for Redress from the Financial Ombudsman Service's published information; "
    "replace with the ombudsman's standard explanatory leaflet (see PROVENANCE.md)."
)


def render(source: Path) -> bytes:
    title, subtitle, *paragraphs = [p for p in source.read_text("utf-8").split("\n") if p]
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 6, 1, tzinfo=UTC))  # the same bytes every time
    pdf.set_title(title)
    pdf.set_author(subtitle)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.multi_cell(0, 8, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    headings = {"Who we are", "When you can come to us", "What we do", "How to contact us"}
    for paragraph in paragraphs:
        bold = paragraph in headings
        pdf.set_font("Helvetica", "B" if bold else "", 12 if bold else 11)
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2 if bold else 3)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4, NOTE)
    return bytes(pdf.output())


if __name__ == "__main__":
    for text in sorted(HERE.glob("*.txt")):
        text.with_suffix(".pdf").write_bytes(render(text))
