"""Tests for official letters rendered in the layout of Decree 30/2020/NĐ-CP."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from portal.services.documents import (
    OfficialLetter,
    letter_filename,
    render_letter,
    vn_date_line,
)

BODY_1 = ("Thực hiện Công văn số 1523/UBND-TH ngày 26/4/2023 của UBND tỉnh về việc triển "
          "khai thực hiện Công điện số 280/CĐ-TTg ngày 19/4/2023 của Thủ tướng Chính phủ.")
BODY_2 = ("Trường hợp quá thời hạn quy định mà cơ quan được lấy ý kiến không trả lời thì được "
          "xác định là đồng ý với ý kiến và đề xuất của cơ quan lấy ý kiến.")


def make_letter(**changes) -> OfficialLetter:
    letter = OfficialLetter(
        parent_body="Ủy ban nhân dân tỉnh Lai Châu",
        issuing_body="Ủy ban nhân dân huyện Phong Thổ",
        number="15",
        symbol="UBND-NV",
        place="Phong Thổ",
        issued_on=date(2024, 6, 5),
        subject="triển khai thực hiện Công điện số 280/CĐ-TTg ngày 19/4/2023",
        addressees=["Thủ trưởng các cơ quan, đơn vị;", "Chủ tịch UBND các xã, thị trấn."],
        body=[BODY_1, BODY_2],
        signer_authority="TM. Ủy ban nhân dân",
        signer_title="Chủ tịch",
        signer_name="Trần Bảo Trung",
        recipients=["Như trên;", "Thường trực Huyện ủy (B/c);", "Lưu: VT, NV."],
    )
    return replace(letter, **changes)


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def all_paragraphs(doc):
    """Paragraphs of the body and of every table cell, in document order."""
    out = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(cell.paragraphs)
    return out


def all_text(doc) -> str:
    return "\n".join(p.text for p in all_paragraphs(doc))


def find_par(doc, startswith: str):
    for par in all_paragraphs(doc):
        if par.text.startswith(startswith):
            return par
    raise AssertionError(f"no paragraph starts with {startswith!r}")


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render_letter(make_letter())


def test_render_returns_a_docx_that_reopens(rendered):
    assert rendered[:2] == b"PK"
    doc = open_docx(rendered)
    assert len(doc.tables) == 2  # header and signature tables


def test_required_parts_present_with_diacritics(rendered):
    text = all_text(open_docx(rendered))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN\nTỈNH LAI CHÂU",  # broken after the council words
        "ỦY BAN NHÂN DÂN\nHUYỆN PHONG THỔ",
        "Số: 15/UBND-NV",
        "V/v triển khai thực hiện Công điện số 280/CĐ-TTg ngày 19/4/2023",
        "Phong Thổ, ngày 05 tháng 6 năm 2024",
        "Kính gửi:",
        "- Thủ trưởng các cơ quan, đơn vị;",
        "- Chủ tịch UBND các xã, thị trấn.",
        BODY_1,
        "Nơi nhận:",
        "- Thường trực Huyện ủy (B/c);",
        "- Lưu: VT, NV.",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Trần Bảo Trung",
    ):
        assert expected in text, expected
    assert unicodedata.is_normalized("NFC", text)


def test_body_ends_with_decree_terminator(rendered):
    doc = open_docx(rendered)
    assert find_par(doc, "Trường hợp quá thời hạn").text.endswith("lấy ý kiến./.")


def test_decomposed_input_is_normalised():
    nfd = unicodedata.normalize("NFD", "Trần Bảo Trung")
    text = all_text(open_docx(render_letter(make_letter(signer_name=nfd))))
    assert "Trần Bảo Trung" in text


def test_page_is_a4_with_decree_margins(rendered):
    section = open_docx(rendered).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.page_height - Mm(297)) < Mm(0.5)
    slack = Mm(0.1)  # lengths are stored in twips, so 15 mm is 14.99 mm

    def within(value, low, high):
        return Mm(low) - slack <= value <= Mm(high) + slack

    assert within(section.top_margin, 20, 25)
    assert within(section.bottom_margin, 20, 25)
    assert within(section.left_margin, 30, 35)
    assert within(section.right_margin, 15, 20)


def test_fonts_and_sizes_follow_decree_30(rendered):
    doc = open_docx(rendered)
    for par in all_paragraphs(doc):
        for run in par.runs:
            if not run.text:
                continue
            rfonts = run._r.rPr.find(qn("w:rFonts"))
            for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                assert rfonts.get(qn(slot)) == "Times New Roman", (run.text, slot)
            assert 11 <= run.font.size.pt <= 14, run.text

    def first_run(prefix):
        return find_par(doc, prefix).runs[0]

    title = first_run("CỘNG HÒA")
    assert title.bold and 12 <= title.font.size.pt <= 13
    motto = first_run("Độc lập")
    assert motto.bold and 13 <= motto.font.size.pt <= 14
    assert first_run("Phong Thổ, ngày").italic
    parent, issuing = (p for p in all_paragraphs(doc) if p.text.startswith("ỦY BAN NHÂN DÂN\n"))
    assert "TỈNH" in parent.text and not any(r.bold for r in parent.runs)  # regular
    assert "HUYỆN" in issuing.text and all(r.bold for r in issuing.runs)  # bold
    assert first_run("V/v").font.size.pt == 12
    recipients_head = first_run("Nơi nhận:")
    assert recipients_head.bold and recipients_head.italic and recipients_head.font.size.pt == 12
    assert first_run("- Lưu:").font.size.pt == 11
    assert first_run("Trần Bảo Trung").bold
    body = find_par(doc, "Thực hiện Công văn")
    assert body.alignment == 3  # justified
    assert body.paragraph_format.first_line_indent > 0


def test_header_and_signature_are_borderless_two_column_tables(rendered):
    doc = open_docx(rendered)
    header, footer = doc.tables
    assert len(header.columns) == 2 and len(footer.columns) == 2
    for table in (header, footer):
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert all(el.get(qn("w:val")) == "nil" for el in borders)
    assert "ỦY BAN NHÂN DÂN" in header.cell(0, 0).text
    assert "CỘNG HÒA" in header.cell(0, 1).text
    assert header.cell(1, 0).text.startswith("Số: 15/UBND-NV")
    assert header.cell(1, 1).text.startswith("Phong Thổ, ngày 05")
    assert footer.cell(0, 0).text.startswith("Nơi nhận:")
    assert "Trần Bảo Trung" in footer.cell(0, 1).text


def test_core_properties(rendered):
    props = open_docx(rendered).core_properties
    assert props.title.startswith("triển khai thực hiện Công điện")
    assert props.author == "Ủy ban nhân dân huyện Phong Thổ"
    assert props.language == "vi-VN"


@pytest.mark.parametrize("day, expected", [
    (date(2024, 1, 5), "Phong Thổ, ngày 05 tháng 01 năm 2024"),
    (date(2024, 2, 9), "Phong Thổ, ngày 09 tháng 02 năm 2024"),
    (date(2024, 3, 1), "Phong Thổ, ngày 01 tháng 3 năm 2024"),
    (date(2024, 6, 5), "Phong Thổ, ngày 05 tháng 6 năm 2024"),
    (date(2024, 12, 25), "Phong Thổ, ngày 25 tháng 12 năm 2024"),
])
def test_vn_date_line_leading_zeros(day, expected):
    # Decree 30: days < 10 and months 1–2 take a leading zero.
    assert vn_date_line("Phong Thổ", day) == expected


def test_small_number_gets_leading_zero_and_draft_has_blank_number():
    text = all_text(open_docx(render_letter(make_letter(number="5"))))
    assert "Số: 05/UBND-NV" in text
    draft = all_text(open_docx(render_letter(make_letter(number=""))))
    assert "/UBND-NV" in draft and "Số: /" not in draft


def test_notice_has_type_title_and_no_vv():
    letter = make_letter(kind_label="Thông báo", symbol="TB-UBND",
                         subject="Về việc xác định đồng ý đối với cơ quan không trả lời")
    doc = open_docx(render_letter(letter))
    text = all_text(doc)
    assert "THÔNG BÁO" in text
    assert "V/v" not in text
    title = find_par(doc, "THÔNG BÁO")
    assert title.runs[0].bold and title.alignment == 1  # centred
    assert find_par(doc, "Về việc xác định").runs[0].bold


def test_single_addressee_on_one_line():
    doc = open_docx(render_letter(make_letter(addressees=["Phòng Nội vụ"])))
    assert "Kính gửi: Phòng Nội vụ." in all_text(doc)


def test_missing_signer_is_rejected():
    with pytest.raises(ValueError, match="họ tên người ký"):
        render_letter(make_letter(signer_name="  "))


def test_letter_filename_is_safe_ascii():
    assert letter_filename(make_letter()) == "15-UBND-NV-2024-06-05.docx"
    assert letter_filename(make_letter(number="3", symbol="TB-UBND")) == "03-TB-UBND-2024-06-05.docx"
    odd = letter_filename(make_letter(number="", symbol="ĐXKT/../Ủy ban"))
    assert odd == "du-thao-DXKT-Uy-ban-2024-06-05.docx"
    assert odd.isascii()


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_converts_to_pdf_with_libreoffice(tmp_path, rendered):
    source = tmp_path / "letter.docx"
    source.write_bytes(rendered)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [_soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, timeout=180, capture_output=True,
    )
    pdf = tmp_path / "letter.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):  # the glyphs really carry the diacritics
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                             timeout=60, capture_output=True, text=True).stdout
        out = unicodedata.normalize("NFC", out)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in out
        assert "Trần Bảo Trung" in out
