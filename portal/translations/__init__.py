"""Message catalogues of the portal.

* ``en/LC_MESSAGES/messages.po`` (domain ``messages``, Flask-Babel's): English for the
  portal's own words. The Vietnamese text is the message id; menu entries carry the
  context ``menu``. Code shows labels through :func:`portal.i18n.label`;
  tests/admin/test_ui.py lists what must have an entry.
* ``vi/LC_MESSAGES/admin.po`` (domain ``admin``, Flask-Admin's): Vietnamese that
  Flask-Admin's own catalogue lacks.

The compiled ``.mo`` files are kept beside their ``.po``; rebuild them after an edit.
"""
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
