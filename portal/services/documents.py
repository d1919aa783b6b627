"""Official letters (công văn, thông báo) as DOCX in the layout of NĐ 30/2020.

Why: the directive makes written notices part of the accountability chain
(the consulting body "có văn bản thông báo" to a silent body; reports go to
the competent authority).  A notice that does not look like an official
document is easy to dispute, so the generated files follow Decree
30/2020/NĐ-CP, Appendix I: A4 paper, margins, Times New Roman, Quốc hiệu and
Tiêu ngữ, issuing body, số/ký hiệu, place and date, trích yếu, Kính gửi,
body, signer block and Nơi nhận.  The module is pure: it takes a dataclass and
returns bytes, so web views, the sweep job and tests all share it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

__all__ = ["OfficialLetter", "render_letter", "letter_filename", "vn_date_line"]

FONT = "Times New Roman"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
# Decree 30 margins (within the allowed ranges); content width = 16.5 cm.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
HEADER_COLS_CM = (7.0, 9.5)  # issuing body | Quốc hiệu (one line at 12 pt bold)
FOOTER_COLS_CM = (7.5, 9.0)  # Nơi nhận | signer
CELL_PAD_CM = 0.08
_COUNCIL_PREFIXES = ("ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN")


def _nfc(text: str) -> str:
    """NFC-normalise: browser input may be decomposed (NFD), which some
    renderers draw as a letter plus a floating accent."""
    return unicodedata.normalize("NFC", text or "").strip()


@dataclass
class OfficialLetter:
    """Content of one official document; layout is the renderer's business."""

    issuing_body: str
    number: str
    symbol: str
    place: str
    issued_on: date
    subject: str
    body: list[str]
    signer_title: str
    signer_name: str
    addressees: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    parent_body: str | None = None
    signer_authority: str | None = None
    kind_label: str | None = None
    #: Data tables after the body (reports): rows of cell texts, the first row the header.
    tables: list[list[list[str]]] = field(default_factory=list)


def vn_date_line(place: str, d: date) -> str:
    """"Phong Thổ, ngày 05 tháng 6 năm 2024".

    Decree 30 (Appendix I, II.5): days below 10 and months 1 and 2 take a
    leading zero (so a "1" cannot later be turned into "11" or "12").
    """
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{_nfc(place)}, ngày {d.day:02d} tháng {month} năm {d.year}"


def _number_text(number: str) -> str:
    """Decree 30: numbers below 10 take a leading zero; blank stays blank
    (a draft is numbered by the records office at registration)."""
    number = _nfc(number)
    return f"{int(number):02d}" if number.isdigit() and int(number) < 10 else number


def letter_filename(letter: OfficialLetter) -> str:
    """Safe ASCII filename, e.g. "15-UBND-NV-2024-06-05.docx".

    Why ASCII: Vietnamese names break Content-Disposition headers and some
    archive tools; the number, symbol and date identify the document anyway.
    """
    number = _number_text(letter.number) or "du-thao"
    stem = _nfc(f"{number}-{letter.symbol}-{letter.issued_on.isoformat()}")
    stem = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    stem = re.sub(r"[^A-Za-z0-9]+", "-", stem.encode("ascii", "ignore").decode()).strip("-")
    return f"{stem or 'van-ban'}.docx"


# ---------------------------------------------------------------- low level
def _set(el, **attrs: str) -> None:
    for key, val in attrs.items():
        el.set(qn(f"w:{key}"), val)


def _fonts(rpr) -> None:
    """Set Times New Roman for every script slot (ascii, hAnsi, eastAsia, cs),
    so LibreOffice/Word never substitute a font lacking Vietnamese glyphs."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)  # a theme font would win over ours
    _set(rfonts, ascii=FONT, hAnsi=FONT, eastAsia=FONT, cs=FONT)


def _setup_styles(doc) -> None:
    """Times New Roman 14 pt, Vietnamese (vi-VN), single spacing as the
    document default *and* in Normal, replacing python-docx's Calibri/theme
    defaults."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    for rpr in (defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")),
                normal.element.get_or_add_rPr()):
        _fonts(rpr)
        rpr.get_or_add_sz().val = Pt(14)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
        _set(lang, val="vi-VN", eastAsia="vi-VN", bidi="vi-VN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:
        _set(spacing, after="0", line="240", lineRule="auto")


def _par(container, text: str = "", size: float = 14, *, bold: bool = False,
         italic: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER, before: float = 0,
         after: float = 0, first_par: bool = False):
    """Add a paragraph; ``first_par`` reuses a table cell's initial empty one.
    "\\n" in ``text`` becomes a line break, "\\t" a tab."""
    par = container.paragraphs[0] if first_par else container.add_paragraph()
    fmt = par.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), 1.0
    for i, line in enumerate(text.split("\n")):
        run = par.add_run()
        run.font.name, run.font.size = FONT, Pt(size)
        run.font.bold, run.font.italic = bold, italic
        _fonts(run._r.get_or_add_rPr())
        if i:
            run.add_break()
        for j, chunk in enumerate(line.split("\t")):
            if j:
                run.add_tab()
            run.add_text(chunk)
    return par


def _rule(container, length_cm: float, box_cm: float) -> None:
    """A centred horizontal line ``length_cm`` long: an empty 1-pt paragraph
    whose top border spans the space between symmetric indents.  Used under
    the issuing body (1/3–1/2 of its text), under the motto (its full length)
    and under a notice's trích yếu, as Decree 30 prescribes."""
    par = _par(container, "", 1, before=3)
    side = Cm(max(0.0, (box_cm - length_cm) / 2))
    par.paragraph_format.left_indent = par.paragraph_format.right_indent = side
    bdr, top = OxmlElement("w:pBdr"), OxmlElement("w:top")
    _set(top, val="single", sz="6", space="1", color="000000")
    bdr.append(top)
    # OOXML schema order (Word rejects files otherwise): pBdr precedes spacing,
    # ind and jc, and nothing that may precede it (pStyle, numPr…) is used here.
    par._p.get_or_add_pPr().insert(0, bdr)


def _dxa(cm: float) -> str:
    """Centimetres as twentieths of a point (OOXML table units)."""
    return str(round(cm / 2.54 * 1440))


def _text_cm(text: str, pt: float, bold: bool = False) -> float:
    """Rough rendered width of ``text`` in Times New Roman (checked against
    LibreOffice's metric-compatible Liberation Serif); sizes rules and
    decides line breaks, never anything a reader would notice if slightly off."""
    em = 0.0
    for ch in text:
        if ch.isspace():
            em += 0.25
        elif ch.isupper():
            em += 0.72 if bold else 0.68
        elif ch.isdigit():
            em += 0.5
        else:
            em += (0.47 if bold else 0.44) if ch.isalpha() else 0.33
    return em * pt / 72 * 2.54


def _table(doc, widths_cm: tuple[float, float], rows: int = 1):
    """Borderless, fixed-layout two-column table (header and signature rows)."""
    table = doc.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblpr = table._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is not None:
        _set(tblw, type="dxa", w=_dxa(sum(widths_cm)))
    borders, margins = OxmlElement("w:tblBorders"), OxmlElement("w:tblCellMar")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        _set(el, val="nil")
        borders.append(el)
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        _set(el, w=_dxa(CELL_PAD_CM), type="dxa")
        margins.append(el)
    # schema order: … tblBorders, shd, tblLayout, tblCellMar, tblLook
    tblpr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    tblpr.insert_element_before(margins, "w:tblLook")
    for col, width in zip(table.columns, widths_cm):
        col.width = Cm(width)
        for cell in col.cells:
            cell.width = Cm(width)
    return table


def _data_table(doc, rows: list[list[str]]) -> None:
    """A bordered data table across the text width (reports): 11 pt, header row bold
    and repeated on each page, first column left-aligned, figures centred."""
    if not rows:
        return
    cols = max(len(row) for row in rows)
    _par(doc, "", 6)
    table = doc.add_table(rows=len(rows), cols=cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(HEADER_COLS_CM)  # the text width
    first = total * 0.3 if cols > 2 else total / cols
    widths = [first] + [(total - first) / (cols - 1)] * (cols - 1) if cols > 1 else [total]
    for col, width in zip(table.columns, widths):
        col.width = Cm(width)
        for cell in col.cells:
            cell.width = Cm(width)
    for i, row in enumerate(rows):
        tr_pr = table.rows[i]._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
        for j in range(cols):
            text = _nfc(row[j]) if j < len(row) else ""
            align = WD_ALIGN_PARAGRAPH.LEFT if j == 0 and i > 0 else WD_ALIGN_PARAGRAPH.CENTER
            _par(table.cell(i, j), text, 11, bold=i == 0, align=align, first_par=True)


def _split_body_name(name: str, box_cm: float, pt: float, bold: bool) -> str:
    """Break "ỦY BAN NHÂN DÂN HUYỆN X" after the council words when it does not
    fit on one line, as official headers do, instead of an arbitrary wrap.
    A caller may also force breaks with "\\n"."""
    if "\n" in name or _text_cm(name, pt, bold) <= box_cm:
        return name
    for prefix in _COUNCIL_PREFIXES:
        if name.startswith(prefix + " "):
            return prefix + "\n" + name[len(prefix) + 1:]
    return name


def _listed(items: list[str]) -> list[str]:
    """Decree 30 list style: "- item;" and the last one ends with "."."""
    cleaned = [_nfc(i).lstrip("-–• ").rstrip(";.").strip() for i in items if _nfc(i)]
    return [f"- {t}{';' if i < len(cleaned) - 1 else '.'}" for i, t in enumerate(cleaned)]


def _page_numbers(section) -> None:
    """Decree 30: page numbers centred in the top margin, not on page one."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    par = _par(section.header, "", 14, first_par=True)
    fld = OxmlElement("w:fldSimple")
    _set(fld, instr="PAGE")
    fld.append(par.runs[0]._r)
    par._p.append(fld)


def _validate(letter: OfficialLetter) -> None:
    required = {"issuing_body": "cơ quan ban hành", "symbol": "ký hiệu", "place": "địa danh",
                "subject": "trích yếu", "signer_title": "chức vụ người ký",
                "signer_name": "họ tên người ký"}
    missing = [label for attr, label in required.items() if not _nfc(getattr(letter, attr))]
    if not any(_nfc(p) for p in letter.body):
        missing.append("nội dung")
    if missing:
        raise ValueError("Văn bản thiếu: " + ", ".join(missing))


# --------------------------------------------------------------- rendering
def render_letter(letter: OfficialLetter) -> bytes:
    """Render ``letter`` to DOCX bytes in the Decree 30 layout.

    The signature itself (handwritten or digital) and the seal are applied
    after printing/signing, so the signer block leaves room for them.
    """
    _validate(letter)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    _setup_styles(doc)
    kind = _nfc(letter.kind_label or "").upper()
    subject = _nfc(letter.subject)

    # Header, row 1: issuing body | Quốc hiệu, Tiêu ngữ; row 2: số/ký hiệu and
    # V/v | place and date, so "Số:" and the date line start on one level.
    header = _table(doc, HEADER_COLS_CM, rows=2)
    (left, right), (left2, right2) = header.rows[0].cells, header.rows[1].cells
    left_box, right_box = (w - 2 * CELL_PAD_CM for w in HEADER_COLS_CM)
    parent = _split_body_name(_nfc(letter.parent_body or "").upper(), left_box, 12, False)
    issuing = _split_body_name(_nfc(letter.issuing_body).upper(), left_box, 13, True)
    if parent:
        _par(left, parent, 12, first_par=True)
    _par(left, issuing, 13, bold=True, first_par=not parent)
    widest = max(min(_text_cm(line, 13, True), left_box) for line in issuing.split("\n"))
    _rule(left, 0.4 * widest, left_box)
    _par(right, NATIONAL_TITLE, 12, bold=True, first_par=True)
    _par(right, MOTTO, 13, bold=True)
    _rule(right, _text_cm(MOTTO, 13, True), right_box)

    number = _number_text(letter.number) or "\u00a0" * 6
    _par(left2, f"Số: {number}/{_nfc(letter.symbol).upper()}", 13, before=6, first_par=True)
    if not kind:
        _par(left2, f"V/v {subject}", 12, before=2)
    date_line = vn_date_line(letter.place, letter.issued_on)
    date_pt = 14 if _text_cm(date_line, 14) <= right_box else 13  # Decree: 13–14
    _par(right2, date_line, date_pt, italic=True, before=6, first_par=True)

    if kind:  # Thông báo, báo cáo…: type name and trích yếu centred, bold.
        _par(doc, kind, 14, bold=True, before=18)
        _par(doc, subject, 14, bold=True)
        _rule(doc, min(4.0, 0.4 * _text_cm(subject, 14, True)), sum(HEADER_COLS_CM))

    addressees = _listed(letter.addressees)
    if len(addressees) == 1:
        _par(doc, f"Kính gửi: {addressees[0][2:]}", 14, before=12, after=6)
    elif addressees:  # "Kính gửi:" then the list aligned on a tab stop
        first = _par(doc, f"Kính gửi:\t{addressees[0]}", 14, align=WD_ALIGN_PARAGRAPH.LEFT,
                     before=12)
        first.paragraph_format.first_line_indent = Cm(-2.6)
        first.paragraph_format.tab_stops.add_tab_stop(Cm(5.0), WD_TAB_ALIGNMENT.LEFT)
        for i, item in enumerate(addressees[1:], start=2):
            par = _par(doc, item, 14, align=WD_ALIGN_PARAGRAPH.LEFT,
                       after=6 if i == len(addressees) else 0)
            par.paragraph_format.left_indent = Cm(5.0)
        first.paragraph_format.left_indent = Cm(5.0)
    else:
        _par(doc, "", 8)

    paragraphs = [_nfc(p) for p in letter.body if _nfc(p)]
    if not paragraphs[-1].endswith("./."):  # Decree 30: the body ends with "./."
        paragraphs[-1] = paragraphs[-1].rstrip(".") + "./."
    for text in paragraphs:
        par = _par(doc, text, 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=6)
        par.paragraph_format.first_line_indent = Cm(1.27)
        par.paragraph_format.line_spacing = 1.15
    for rows in letter.tables:
        _data_table(doc, rows)

    # Footer: Nơi nhận | signer (authority, title, room for signature and seal, name).
    spacer = _par(doc, "", 6)
    row = _table(doc, FOOTER_COLS_CM).rows[0]
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # signer block on one page
    for kept in (par, spacer):  # ...and not orphaned from the last body paragraph
        kept.paragraph_format.keep_with_next = True
    left, right = row.cells
    _par(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT,
         first_par=True)
    for item in _listed(letter.recipients):
        _par(left, item, 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    authority = _nfc(letter.signer_authority or "").upper()
    if authority:
        _par(right, authority, 14, bold=True, first_par=True)
    _par(right, _nfc(letter.signer_title).upper(), 14, bold=True, first_par=not authority)
    _par(right, _nfc(letter.signer_name), 14, bold=True, before=84)

    _page_numbers(section)
    props = doc.core_properties
    props.title, props.subject = subject, kind or "Công văn"
    props.author, props.language = _nfc(letter.issuing_body), "vi-VN"
    props.keywords = f"{_number_text(letter.number)}/{_nfc(letter.symbol).upper()}"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
