"""Other people's data, tried with each role on the seeded demo branch: all refused.

The access matrix checks every route against the table; these look inside the answers
that ARE allowed, for data that must not be in them.
"""

import pytest
import sqlalchemy as sa

from mart.extensions import db


def _rows(app, sql, **params):
    with app.app_context():
        rows = db.session.execute(sa.text(sql), params).all()
        db.session.remove()
        return rows


@pytest.fixture(scope="module")
def shop(seeded_branch):
    branch, hub, matrix = seeded_branch
    members = _rows(branch, "SELECT member_no, nik, phone FROM members ORDER BY member_no")
    assert len(members) >= 2, "seed-demo should make members"
    return branch, hub, matrix, members


def _product_ids(value):
    """Every ``product_id`` anywhere in a JSON answer."""
    found = set()
    if isinstance(value, dict):
        if isinstance(value.get("product_id"), int):
            found.add(value["product_id"])
        for item in value.values():
            found |= _product_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _product_ids(item)
    return found


def _get(matrix, role, path):
    client, headers = matrix.client(role, path.startswith("/api/"))
    answer = client.get(path, headers=headers)
    try:
        return answer.status_code, answer.get_data(as_text=True)
    finally:
        answer.close()


def test_a_member_reads_only_their_own_savings(shop):
    branch, _hub, matrix, members = shop
    own = matrix.own_member
    others = [m.member_no for m in members if m.member_no != own]
    status, body = _get(matrix, "member", f"/api/v1/members/{own}")
    assert status == 200 and '"savings"' in body
    for other in others[:3]:
        for path in (
            f"/api/v1/members/{other}",
            f"/api/v1/members/{other}/ledger",
            f"/api/v1/members/{other}/purchases",
            f"/api/v1/members/{other}/shu",
            f"/members/{other}/barcode.svg",
        ):
            status, _ = _get(matrix, "member", path)
            assert status in (403, 404), f"member reads {path}: {status}"
    for path in ("/api/v1/members", "/api/v1/members/capital", "/api/v1/sales"):
        assert _get(matrix, "member", path)[0] in (401, 403), path


def test_a_supplier_sees_only_their_own_goods_and_sales(shop):
    branch, _hub, matrix, _members = shop
    own = matrix.own_supplier
    theirs = {
        row.id for row in _rows(branch, "SELECT id FROM inv_products WHERE supplier_id = :s", s=own)
    }
    foreign = _rows(
        branch,
        "SELECT id FROM inv_products WHERE supplier_id IS NOT NULL AND supplier_id <> :s",
        s=own,
    )
    client, headers = matrix.client("supplier", True)
    listed = client.get("/api/v1/products?per_page=100", headers=headers).json
    assert {item["id"] for item in listed["items"]} <= theirs
    movements = client.get("/api/v1/stock/movements?per_page=100", headers=headers)
    assert movements.status_code == 200
    assert {item["product_id"] for item in movements.json["items"]} <= theirs
    for name in ("sell-through", "stock-on-hand", "consigned-stock"):
        report = client.get(f"/api/v1/stock/reports/{name}", headers=headers)
        assert report.status_code == 200, (name, report.status_code)
        assert _product_ids(report.json) <= theirs, name
    settlements = client.get("/api/v1/consignment-settlements", headers=headers).json
    assert all(item["supplier_id"] == own for item in settlements["items"])
    for (settlement_id,) in _rows(
        branch, "SELECT id FROM inv_settlements WHERE supplier_id <> :s", s=own
    )[:3]:
        answer = client.get(f"/api/v1/consignment-settlements/{settlement_id}", headers=headers)
        assert answer.status_code in (403, 404)
    for (product_id,) in foreign[:3]:
        answer = client.get(f"/api/v1/products/{product_id}", headers=headers)
        assert answer.status_code in (403, 404)
    # and nothing of the till: sales, members
    for path in ("/api/v1/sales", "/api/v1/members", "/api/v1/shifts"):
        assert _get(matrix, "supplier", path)[0] in (401, 403), path


def test_a_cashier_sees_no_nik_and_no_shu(shop):
    _branch, _hub, matrix, members = shop
    member = members[1]
    for path in (
        f"/api/v1/members/{member.member_no}",
        f"/api/v1/members/lookup?q={member.member_no}",
        f"/api/v1/pos/member?q={member.member_no}",
    ):
        status, body = _get(matrix, "cashier", path)
        if status == 200:
            assert member.nik not in body, f"{path} shows the NIK to a cashier"
    for path in (
        "/api/v1/shu/2026",
        f"/api/v1/members/{member.member_no}/shu",
        f"/api/v1/members/{member.member_no}/ledger",
        "/api/v1/members",
        "/members/shu",
    ):
        status, _ = _get(matrix, "cashier", path)
        assert status in (302, 401, 403), f"cashier reads {path}: {status}"


def test_association_staff_see_no_branch_members(shop):
    _branch, hub, matrix, members = shop
    hub_matrix = type(matrix).for_app(matrix, hub)
    for path in (
        "/api/v1/members",
        f"/api/v1/members/{members[0].member_no}",
        "/api/v1/members/capital",
        "/members/",
        "/api/v1/sales",
    ):
        status, _ = _get(hub_matrix, "association", path)
        assert status in (302, 401, 403, 404), f"association reads {path}: {status}"
    for path in ("/api/v1/association/summary", "/association/"):
        status, body = _get(hub_matrix, "association", path)
        for member in members:
            assert member.nik not in body
            if member.phone:
                assert member.phone not in body


def test_receipts_show_no_nik_and_no_full_phone(shop):
    branch, _hub, matrix, members = shop
    sales = _rows(
        branch,
        "SELECT s.id, m.nik, m.phone FROM sales s JOIN members m ON m.member_no = s.member_no "
        "ORDER BY s.number LIMIT 3",
    )
    if not sales:
        pytest.skip("seed-demo made no member sales")
    for sale in sales:
        status, text = _get(matrix, "cashier", f"/api/v1/sales/{sale.id}/receipt?width=48")
        assert status == 200
        assert sale.nik not in text
        if sale.phone:
            assert sale.phone not in text
