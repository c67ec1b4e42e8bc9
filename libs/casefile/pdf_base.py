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

from typing import Any

from fpdf import FPDF

from libs.casefile import fonts

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
    def __init__(
        self, *, title: str, reference: str, firm: str, invalid: bool, whole_fonts: bool = False
    ) -> None:
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
        for (family, style), name in fonts.FILES.items():
            path = fonts.full(name) if whole_fonts else fonts.core(name)
            self.add_font(family, style, str(path))
        self.alias_nb_pages()
        self._style: tuple[str, str, float] = ("body", "", 9)
        self._colour: tuple[int, int, int] = (0, 0, 0)
        self._width_tables: dict[int, Any] = {}
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
        self._style, self._colour = ("body", "", 9), (0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("body", "", 7.5)
        self.set_text_color(*GREY)
        self.cell(140, 4, _clean(f"Case {self.reference}"))
        self.cell(0, 4, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)
        self.set_font("body", "", 9)
        self._style, self._colour = ("body", "", 9), (0, 0, 0)

    # -- text, fast --------------------------------------------------------------------------

    def style(
        self, *, size: float = 9, bold: bool = False, mono: bool = False, color: Any = 0
    ) -> None:
        """Font and colour, set only when they change (each call costs)."""
        wanted = ("mono" if mono else "body", "B" if bold and not mono else "", size)
        if wanted != self._style:
            self.set_font(*wanted)
            self._style = wanted
        rgb = color if isinstance(color, tuple) else (color, color, color)
        if rgb != self._colour:
            self.set_text_color(*rgb)
            self._colour = rgb

    def wrapped(self, text: str, width: float) -> list[str]:
        """`text` broken into lines no wider than `width` (greedy, at spaces; a word longer
        than a line is cut). fpdf2's own `multi_cell` re-measures the line for every
        character, which made long texts quadratic; this measures each word once per font."""
        measure = self._measure()
        limit = width / (self.font_size / 1000)
        space = measure(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split(" "):
                size = measure(word)
                if line and used + space + size > limit:
                    lines.append(" ".join(line))
                    line, used = [], 0.0
                while size > limit and len(word) > 1:  # wider than a line: cut it
                    cut = len(word) - 1
                    while cut > 1 and measure(word[:cut]) > limit:
                        cut = max(1, cut * 3 // 4)
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = measure(word)
                used += (space if line else 0.0) + size
                line.append(word)
            lines.append(" ".join(line))
        return lines

    def _measure(self) -> Any:
        """The width of a string in the current font (thousandths of its size), with each
        word's width remembered: a case file repeats its words endlessly."""
        font = self.current_font
        key = id(font)
        measure = self._width_tables.get(key)
        if measure is None:
            table: Any = getattr(font, "cw", {})
            default: float = getattr(getattr(font, "desc", None), "missing_width", 500) or 500
            known: dict[str, float] = {}

            def measure(word: str) -> float:
                size = known.get(word)
                if size is None:
                    size = float(sum((table.get(ord(c)) or default) for c in word))
                    if len(known) < 50_000:
                        known[word] = size
                return size

            self._width_tables[key] = measure
        return measure

    def write_lines(self, text: Any, *, x: float | None = None, height: float = LINE) -> None:
        """`text` wrapped from `x` to the right margin, one `text()` per line (a tenth of
        the cost of a `cell`), breaking pages itself."""
        left = self.l_margin if x is None else x
        for line in self.wrapped(_clean(text), self.w - self.r_margin - left):
            if self.y + height > self.page_break_trigger:
                self._new_page_keeping_style()
            if line:
                self.text(left, self.y + height * 0.5 + self.font_size * 0.35, line)
            self.y += height
        self.x = self.l_margin

    def _new_page_keeping_style(self) -> None:
        style, colour = self._style, self._colour
        self.add_page()
        self._style = self._colour = None  # type: ignore[assignment]
        self.style(size=style[2], bold=style[1] == "B", mono=style[0] == "mono", color=colour)

    # -- blocks ----------------------------------------------------------------------------

    def room(self, needed: float) -> None:
        """A new page unless `needed` millimetres are left on this one."""
        if self.y + needed > self.page_break_trigger:
            self._new_page_keeping_style()

    def heading(self, text: str) -> None:
        """A section heading, never alone at the foot of a page."""
        self.room(30)
        self.y += 3
        self.style(size=12, bold=True)
        self.write_lines(text, height=7)
        self.set_draw_color(180)
        self.line(self.l_margin, self.y, self.w - self.r_margin, self.y)
        self.y += 1.5

    def subheading(self, text: str) -> None:
        self.room(20)
        self.y += 1.5
        self.style(size=9.5, bold=True)
        self.write_lines(text, height=5.5)

    def para(self, text: Any, *, size: float = 9, bold: bool = False, color: Any = 0) -> None:
        self.style(size=size, bold=bold, color=color)
        self.write_lines(text)

    def line_of(
        self, text: Any, *, size: float = 9, bold: bool = False, mono: bool = False, color: Any = 0
    ) -> None:
        """A short line (wrapped all the same if it is not short)."""
        self.style(size=size, bold=bold, mono=mono, color=color)
        self.write_lines(text)

    def rows(self, pairs: list[tuple[str, Any]], *, mono: bool = False) -> None:
        """Label: value rows; a value wraps under itself, a long label sits above it."""
        for label, value in pairs:
            self.room(LINE * 2)
            self._label(label)
            self.style(size=7.5 if mono else 9, mono=mono)
            self.write_lines(value, x=self.l_margin + LABEL_WIDTH)

    def _label(self, label: str) -> None:
        self.style(size=8.5, bold=True, color=60)
        text = _clean(label)
        if not text:
            return
        if self.get_string_width(text) > LABEL_WIDTH - 1.5:
            self.write_lines(text)
        else:
            self.text(self.l_margin, self.y + LINE * 0.5 + self.font_size * 0.35, text)

    def mono_rows(self, pairs: list[tuple[str, Any]]) -> None:
        """Label: digest rows (hashes in a fixed-width font)."""
        self.rows(pairs, mono=True)

    def banner(self, text: str, color: tuple[int, int, int]) -> None:
        """A filled box across the page, white bold text: the verdict."""
        self.style(size=11, bold=True, color=255)
        lines = self.wrapped(_clean(text), self.epw - 6)
        self.room(len(lines) * 6 + 4)
        self.set_fill_color(*color)
        self.rect(self.l_margin, self.y, self.epw, len(lines) * 6 + 3, style="F")
        self.y += 1.5
        for line in lines:
            self.text(self.l_margin + 3, self.y + 3 + self.font_size * 0.35, line)
            self.y += 6
        self.y += 3.5
        self.style()

    @property
    def lacks_glyphs(self) -> bool:
        """Whether something drawn had no glyph in the fonts (then draw with whole fonts)."""
        return any(getattr(font, "missing_glyphs", None) for font in self.fonts.values())

    def none(self) -> None:
        self.line_of("none", color=GREY)
