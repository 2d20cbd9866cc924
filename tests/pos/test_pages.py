"""The pages: cashier screen, customer display, manager pages; no inline script/style."""

import re

import pytest


def _no_inline(html):
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "style=" not in html, "inline style attribute"
    assert "onclick" not in html


def test_counter_page_for_cashier(login_as):
    cashier = login_as("cashier")
    page = cashier.get("/pos/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    _no_inline(html)
    assert 'data-testid="scan"' in html
    assert "Buka shift" in html or "Open a shift" in html
    assert "/pos/static/counter.js" in html
    for asset in ("/pos/static/counter.js", "/pos/static/pos.css"):
        response = cashier.get(asset)
        assert response.status_code == 200
        response.close()


def test_counter_page_default_language_indonesian(login_as):
    html = login_as("cashier").get("/pos/").get_data(as_text=True)
    assert "Bayar" in html  # "Pay"


def test_display_page_and_state(app, counter, client, login_as):
    """Not logged in, the display needs the register's token (from the manager's
    registers page); the counter's login reads it without one."""
    put = counter.cashier.put(
        f"/registers/{counter.register['id']}/display",
        json={
            "lines": [{"name": "Teh", "quantity": "1", "amount": 5000}],
            "total": 5000,
            "member": "Siti Aminah",
        },
    )
    assert put.status_code == 200
    # Anyone on the LAN without the token: refused, neither the cart nor the name.
    for url in ("/pos/display/R1", "/pos/display/R1/state", "/pos/display/R1/state?t=bad"):
        answer = client.get(url)
        assert answer.status_code == 403, url
        assert "Siti" not in answer.get_data(as_text=True) and "Teh" not in answer.get_data(
            as_text=True
        )
    assert login_as("member").get("/pos/display/R1/state").status_code == 403
    assert client.get("/pos/display/XX/state").status_code == 403  # codes cannot be probed
    registers = login_as("manager").get("/pos/registers").get_data(as_text=True)
    link = re.search(r'href="http://localhost(/pos/display/R1\?t=[0-9a-f]+)"', registers).group(1)
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    _no_inline(html)
    state_url = re.search(r'data-state-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    state = client.get(state_url).json
    assert state["state"]["total"] == 5000 and state["state"]["lines"][0]["name"] == "Teh"
    unchanged = client.get(f"{state_url}&v={state['version']}").json
    assert unchanged["unchanged"] is True
    # The register's own login (a second screen on the counter's computer): no token.
    cashier = login_as("cashier")
    assert cashier.get("/pos/display/R1").status_code == 200
    assert cashier.get("/pos/display/R1/state").json["state"]["member"] == "Siti Aminah"
    # One register's token does not open another's display.
    counter.manager.post("/registers", json={"code": "R2", "name": "Kasir R2"})
    token = link.split("t=")[1]
    assert client.get(f"/pos/display/R2/state?t={token}").status_code == 403


@pytest.mark.usefixtures("counter")
def test_manager_pages(counter, make_product, login_as):
    pid, _ = make_product(price=4_000)
    sale = counter.sale([{"product_id": pid}], [{"method": "cash", "amount": 5_000}]).json
    manager = login_as("manager")
    for path in (
        "/pos/sales",
        f"/pos/sales?number={sale['number']}",
        f"/pos/sales/{sale['id']}",
        "/pos/shifts",
        f"/pos/shifts/{counter.shift['id']}",
        "/pos/approvals",
    ):
        response = manager.get(path)
        assert response.status_code == 200, path
        _no_inline(response.get_data(as_text=True))
    detail = manager.get(f"/pos/sales/{sale['id']}").get_data(as_text=True)
    assert sale["number"] in detail and "4.000" in detail


def test_counter_lookups(counter, make_product, make_member):
    pid, code = make_product(price=4_000, name="Kopi Gayo Aceh")
    scan = counter.cashier.get(f"/pos/scan?code={code}")
    assert scan.status_code == 200 and scan.json["product"]["id"] == pid
    assert counter.cashier.get("/pos/scan?code=0000").status_code == 404
    found = counter.cashier.get("/pos/products?q=gayo")
    assert found.status_code == 200 and found.json["items"][0]["id"] == pid
    member_no = make_member()
    member = counter.cashier.get(f"/pos/member?code={member_no}")
    assert member.status_code == 200 and member.json["member_no"] == member_no
    assert counter.cashier.get("/pos/member?code=M999999").status_code == 404


def test_suspend_and_resume(counter, rows):
    rid = counter.register["id"]
    parked = counter.cashier.post(
        f"/registers/{rid}/suspended", json={"label": "Bu Ani", "payload": {"lines": [1, 2]}}
    )
    assert parked.status_code == 201
    listed = counter.cashier.get(f"/registers/{rid}/suspended").json
    assert listed["total"] == 1
    resumed = counter.cashier.post(f"/suspended/{parked.json['id']}/resume")
    assert resumed.status_code == 200 and resumed.json["payload"] == {"lines": [1, 2]}
    assert counter.cashier.post(f"/suspended/{parked.json['id']}/resume").status_code == 404
    assert counter.cashier.get(f"/registers/{rid}/suspended").json["total"] == 0
