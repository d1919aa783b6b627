"""Written notices as documents — directive item 4 ("có văn bản thông báo … đồng thời
báo cáo với cấp có thẩm quyền") and issue 4, rule 8 (Decree 30/2020 layout)."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document

from portal.models import Notice
from portal.services.consultations import apply_deemed_agreement, create_consultation
from portal.services.notices import notice_docx
from portal.services.reports import periodic_report, periodic_report_docx
from portal.services.tasks import add_step, complete_task, create_task
from portal.services.workdays import WorkCalendar

from .conftest import code, ict

CAL = WorkCalendar()


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def deemed_notice(world) -> tuple[Notice, Notice, str]:
    s = world.session
    c = create_consultation(s, code=code("LYK"), subject="Dự thảo Kế hoạch cải cách hành chính năm 2025",
                            consulting_unit_id=world.a.id, competent_unit_id=world.root.id, sent_on=date(2025, 6, 10),
                            due_date=date(2025, 6, 20), recipients=[(world.b.id, "Bố trí kinh phí")], calendar=CAL)
    [rid] = [i for i in apply_deemed_agreement(s, ict(2025, 6, 23, 8)) if i == c.recipients[0].id]
    get = lambda key: s.scalar(sa.select(Notice).where(Notice.dedupe_key == key))  # noqa: E731
    return get(f"deemed:recipient:{rid}"), get(f"report:recipient:{rid}"), c.code


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(tmp_path, name: str, data: bytes):
    source = tmp_path / name
    source.write_bytes(data)
    subprocess.run([soffice(), f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    return source.with_suffix(".pdf")


def test_deemed_agreement_notice_renders_as_docx(world):
    notice, report, consultation_code = deemed_notice(world)
    filename, data = notice_docx(world.session, notice)
    assert filename.endswith(".docx") and filename.isascii() and data[:2] == b"PK"
    text = text_of(data)
    assert consultation_code in text and world.b.name in text  # the consultation and the silent unit
    assert "THÔNG BÁO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert world.a.name.upper() in text and world.root.name.upper() in text  # issuing body under its parent
    assert f"Số: {int(notice.number):02d}/{notice.symbol.upper()}" in text
    assert "Phong Thổ, ngày 23 tháng 6 năm 2025" in text
    assert "280/CĐ-TTg" in text and "Về việc xác định đồng ý" in text
    assert world.head_a.full_name in text and "TRƯỞNG PHÒNG" in text  # the head of the issuing unit signs
    assert "Như trên;" in text and "Lưu: VT." in text
    _, report_data = notice_docx(world.session, report)
    report_text = text_of(report_data)
    assert "BÁO CÁO" in report_text and world.root.name in report_text and consultation_code in report_text


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) không có trên PATH: bỏ qua chuyển sang PDF")
def test_deemed_agreement_notice_opens_in_libreoffice(world, tmp_path):
    notice, _, consultation_code = deemed_notice(world)
    _, data = notice_docx(world.session, notice)
    pdf = to_pdf(tmp_path, "thong-bao.docx", data)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert consultation_code in out and "THÔNG BÁO" in out


def test_periodic_report_with_a_table(world, tmp_path):
    # Item 3: "kịp thời báo cáo kết quả giải quyết" — per unit, with a table in the DOCX.
    s = world.session
    done = create_task(s, code=code("NV"), title="Việc thử", lead_unit_id=world.a.id, authority_unit_id=world.a.id,
                       received_on=date(2025, 5, 5), due_date=date(2025, 6, 6), calendar=CAL)
    complete_task(s, done, by=world.acc_a, at=ict(2025, 6, 5, 9))
    overdue = create_task(s, code=code("NV"), title="Việc thử", lead_unit_id=world.a.id, authority_unit_id=world.a.id,
                          received_on=date(2025, 5, 5), due_date=date(2025, 6, 13), calendar=CAL)
    add_step(s, overdue, title="Xử lý", responsible_staff_id=world.a1.id, due_date=date(2025, 6, 13))
    report = periodic_report(s, date(2025, 6, 1), date(2025, 6, 30), issuing_unit_id=world.a.id,
                             recipient_unit_id=world.root.id, today=date(2025, 6, 20), now=ict(2025, 6, 20, 8))
    assert periodic_report(s, date(2025, 6, 1), date(2025, 6, 30), issuing_unit_id=world.a.id) is report  # once
    assert report.kind == "periodic_report" and report.recipient_unit_id == world.root.id
    filename, data = periodic_report_docx(s, report)
    doc = Document(io.BytesIO(data))
    [table] = [t for t in doc.tables if t.rows[0].cells[0].text == "Cơ quan, đơn vị"]
    row = next(r for r in table.rows if r.cells[0].text == world.a.name)
    assert [c.text for c in row.cells[1:5]] == ["2", "1", "0", "1 (5 ngày)"]
    assert "Tỷ lệ hoàn thành đúng hạn: 50.0%" in text_of(data)
    if soffice():
        assert to_pdf(tmp_path, filename, data).read_bytes()[:5] == b"%PDF-"
