"""The page furniture of every case-file PDF: PDF/A-3b, embedded fonts, the case reference
and "page x of y" on every page, and the few text blocks the sections are made of.

PDF/A-3b (ISO 19005-3, level B): fpdf2 writes the XMP metadata with `pdfaid:part` 3 and
`pdfaid:conformance` B, an sRGB OutputIntent (its bundled sRGB2014 ICC profile), embeds and
subsets every font (DejaVu; the standard 14 fonts are refused), and lets the case file's JSON
be attached as an associated file. What is checked, and how, is in docs/proof-formats.md.

Speed: text is laid out left-aligned (never justified), one `cell` per short line, and
`multi_cell` only for text that may wrap; a 1,000-event case file renders in well under a
second (docs/benchmarks.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
COMPLIANCE = "PDFA_3B"
LINE = 4.4
LABEL_WIDTH = 46
GREY = (95, 95, 95)
RED = (170, 20, 20)
GREEN = (20, 110, 50)
AMBER = (150, 90, 0)


def _clean(text: Any) -> str:
    """Tabs as spaces, other control characters dropped (the API refuses them anyway)."""
    value = "" if text is None else str(text)
    if value.isprintable():
        return value
    value = value.replace("\t", "    ").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in value if c == "\n" or c.isprintable())


class CaseFilePdf(FPDF):
    def __init__(self, *, title: str, reference: str, firm: str, invalid: bool) -> None:
        super().__init__(format="A4", enforce_compliance=COMPLIANCE)
        self.reference = reference
        self.firm = firm
        self.invalid = invalid
        self.set_title(title)
        self.set_author(firm)
        self.set_subject(f"Case file of complaint {reference}")
        self.set_creator("Redress")
        self.set_lang("en-GB")
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(15, 16, 15)
        self.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font("mono", "", str(FONT_DIR / "DejaVuSansMono.ttf"))
        self.alias_nb_pages()
        self.set_font("body", "", 9)

    # -- every page ------------------------------------------------------------------------

    def header(self) -> None:
        self.set_y(7)
        self.set_font("body", "", 7.5)
        self.set_text_color(*GREY)
        self.cell(90, 4, _clean(f"{self.firm} · case file"))
        if self.invalid:
            self.set_text_color(*RED)
            self.set_font("body", "B", 7.5)
            self.cell(0, 4, "INVALID HISTORY: see the verification", align="R")
        self.set_text_color(0)
        self.set_font("body", "", 9)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("body", "", 7.5)
        self.set_text_color(*GREY)
        self.cell(140, 4, _clean(f"Case {self.reference}"))
        self.cell(0, 4, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)

    # -- blocks ----------------------------------------------------------------------------

    def heading(self, text: str) -> None:
        """A section heading, never alone at the foot of a page."""
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(3)
        self.set_font("body", "B", 12)
        self.cell(0, 7, _clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(180)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font("body", "", 9)

    def subheading(self, text: str) -> None:
        if self.get_y() > self.h - 35:
            self.add_page()
        self.ln(1.5)
        self.set_font("body", "B", 9.5)
        self.cell(0, 5.5, _clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("body", "", 9)

    def para(self, text: Any, *, size: float = 9, bold: bool = False, color: Any = 0) -> None:
        self.set_font("body", "B" if bold else "", size)
        self.set_text_color(*(color if isinstance(color, tuple) else (color,)))
        self.multi_cell(0, LINE, _clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.set_font("body", "", 9)

    def line_of(
        self, text: Any, *, size: float = 9, bold: bool = False, mono: bool = False, color: Any = 0
    ) -> None:
        """One line: a cell, fast, for the many short lines; wrapped when it would not fit."""
        self.set_font("mono" if mono else "body", "B" if bold and not mono else "", size)
        self.set_text_color(*(color if isinstance(color, tuple) else (color,)))
        text = _clean(text)
        if len(text) > 60 and self.get_string_width(text) > self.epw:
            self.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.set_font("body", "", 9)

    def rows(self, pairs: list[tuple[str, Any]]) -> None:
        """Label: value rows; a value wraps under itself, a long label sits above it."""
        for label, value in pairs:
            if self.get_y() > self.h - 22:
                self.add_page()
            self._label(label)
            self.set_font("body", "", 9)
            text = _clean(value)
            if len(text) < 95 and "\n" not in text:
                self.cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:
                self.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _label(self, label: str) -> None:
        self.set_font("body", "B", 8.5)
        self.set_text_color(60)
        text = _clean(label)
        if self.get_string_width(text) > LABEL_WIDTH - 1.5:
            self.cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_x(self.l_margin + LABEL_WIDTH)
        else:
            self.cell(LABEL_WIDTH, LINE, text)
        self.set_text_color(0)

    def mono_rows(self, pairs: list[tuple[str, Any]]) -> None:
        """Label: digest rows (hashes in a fixed-width font)."""
        for label, value in pairs:
            self._label(label)
            self.set_font("mono", "", 7.5)
            self.multi_cell(0, LINE, _clean(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("body", "", 9)

    def banner(self, text: str, color: tuple[int, int, int]) -> None:
        """A filled box across the page, white bold text: the verdict."""
        self.set_fill_color(*color)
        self.set_text_color(255)
        self.set_font("body", "B", 11)
        self.multi_cell(
            0,
            7,
            _clean(text),
            align="L",
            fill=True,
            padding=(1.5, 3),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(0)
        self.set_font("body", "", 9)
        self.ln(2)

    def none(self) -> None:
        self.line_of("none", color=GREY)
