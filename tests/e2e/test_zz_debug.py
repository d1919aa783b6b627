from tests.e2e.conftest import login, pick, type_date, shot
from tests.e2e.test_workflows import *
def test_dbg(page, server):
    login(page, "head")
    page.goto("/admin/task/new/")
    page.fill("#code", "X1")
    page.fill("#title", "abc")
    pick(page, "lead_unit", "Tài nguyên")
    pick(page, "authority_unit", "UBND huyện", "UBND huyện Phong Thổ")
    type_date(page, "received_on", "28/11/2026")
    type_date(page, "legal_due_date", "18/12/2026")
    page.on("request", lambda r: print("REQ", r.method, r.url[:100]))
    page.on("response", lambda r: print("RESP", r.status, r.url[:100]))
    page.locator("input[type=submit][value='Lưu']").click()
    page.wait_for_timeout(3000)
    print(page.url)
    shot(page, "dbg")
