"""The fonts the PDFs embed: DejaVu, whole or cut down to the scripts case files use.

PDF/A embeds every font, and fpdf2 parses the TrueType file on every document and subsets
it on output: with DejaVu's 6,000 glyphs that is most of a small PDF's cost. So each
process (or the first of them: the files are kept in the temporary folder) makes once a
"core" cut of each font — Latin, Greek, Cyrillic, punctuation, currency signs, arrows,
mathematical operators, box drawing and dingbats — a third of the size, and documents use
it; a document that draws a character outside it is drawn again with the whole fonts.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FILES = {
    ("body", ""): "DejaVuSans.ttf",
    ("body", "B"): "DejaVuSans-Bold.ttf",
    ("mono", ""): "DejaVuSansMono.ttf",
}
CORE_RANGES = (
    (0x20, 0x7E),  # Basic Latin
    (0xA0, 0x24F),  # Latin-1, Latin Extended A and B
    (0x370, 0x45F),  # Greek, Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh ŵ ŷ)
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, ellipsis
    (0x20A0, 0x20BF),  # currency signs
    (0x2100, 0x22FF),  # letterlike symbols, arrows, mathematical operators
    (0x2500, 0x25FF),  # box drawing, geometric shapes
    (0x2700, 0x27BF),  # dingbats: ✓ ✗
    (0xFFFD, 0xFFFD),
)
_lock = threading.Lock()
_core: dict[str, Path] = {}


def full(name: str) -> Path:
    return FONT_DIR / name


def core(name: str) -> Path:
    """The core cut of font `name`, made on first use (falls back to the whole font when
    the cut cannot be made or kept)."""
    with _lock:
        known = _core.get(name)
        if known is not None and known.exists():
            return known
        try:
            path = _make_core(full(name))
        except (OSError, ImportError, ValueError):
            path = full(name)
        _core[name] = path
        return path


def _make_core(source: Path) -> Path:
    stat = source.stat()
    tag = hashlib.sha256(f"{source}:{stat.st_size}:{stat.st_mtime_ns}:{CORE_RANGES}".encode())
    folder = Path(tempfile.gettempdir()) / f"redress-casefile-fonts-{os.getuid()}"
    target = folder / f"{source.stem}-core-{tag.hexdigest()[:16]}.ttf"
    if target.exists():
        return target
    from fontTools import subset  # only the process that makes the cut needs it
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.glyph_names = True
    options.layout_features = []
    options.hinting = True
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(
        unicodes=[code for low, high in CORE_RANGES for code in range(low, high + 1)]
    )
    subsetter.subset(font)
    folder.mkdir(mode=0o700, exist_ok=True)
    staging = folder / f".{target.name}.{os.getpid()}.{threading.get_ident()}"
    font.save(str(staging))
    os.replace(staging, target)
    return target
