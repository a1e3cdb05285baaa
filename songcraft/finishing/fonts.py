"""The typeface of covers and of the gift page: Source Serif Pro, from the `font-source-serif-pro`
wheel (SIL Open Font License 1.1, its LICENSE.txt ships beside the fonts). The upright weights
cover Latin, Greek and Cyrillic, so every language SongCraft sings prints on a cover."""
from __future__ import annotations

from pathlib import Path

import font_source_serif_pro

FONT_DIR = Path(font_source_serif_pro.font_directory)
TITLE_FONT = FONT_DIR / "SourceSerifPro-Semibold.ttf"
TEXT_FONT = FONT_DIR / "SourceSerifPro-Regular.ttf"
LICENSE = FONT_DIR / "LICENSE.txt"
