"""Bahasa Indonesia where managers read (issue 13 item 9): approvals in words, not JSON
and codes; a stock movement names the sale by its receipt number, not its UUID; the
member form's button is not the cash register's word."""


def test_approvals_read_in_words(counter, make_product, login_as):
    pid, _ = make_product(price=10_000)
    sale = counter.sale(
        [{"product_id": pid, "discount": 5_000}],
        [{"method": "cash", "amount": 5_000}],
        approval_pin="4321",
    )
    assert sale.status_code == 201, sale.json
    back = counter.cashier.post(
        f"/sales/{sale.json['id']}/returns",
        json={
            "lines": [{"product_id": pid, "quantity": 1}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert back.status_code == 201, back.json
    html = login_as("manager").get("/pos/approvals").get_data(as_text=True)
    assert "Diskon disetujui" in html and "Diskon Rp 5.000" in html
    assert "Pengembalian uang: Tunai Rp 5.000" in html
    assert "sale.discount_approved" not in html and "sale.return" not in html
    assert "{&#34;" not in html and '{"' not in html


def test_stock_movement_names_the_sale_by_number(counter, make_product, login_as):
    pid, _ = make_product(price=4_000)
    sale = counter.sale([{"product_id": pid}], [{"method": "cash", "amount": 5_000}]).json
    html = login_as("manager").get(f"/inventory/products/{pid}").get_data(as_text=True)
    assert f"Penjualan {sale['number']}" in html
    assert sale["id"] not in html


def test_member_form_button_is_not_the_cash_register(login_as):
    html = login_as("manager").get("/members/new").get_data(as_text=True)
    assert "Mesin kasir" not in html and "Daftarkan anggota" in html
