"""Message catalogues of the portal (domain ``admin``: what Flask-Admin leaves untranslated)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).resolve().parent


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` here to its ``.mo`` (run after editing a catalogue)."""
    written = []
    for po in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as target:
            write_mo(target, catalog)
        written.append(mo)
    return written
