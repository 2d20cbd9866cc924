"""The manager's sales list finds a member's sales by name, not only by number (issue
13 item 12)."""


def test_sales_found_by_member_name(counter, make_product, make_member, login_as):
    pid, _ = make_product(price=4_000)
    siti = make_member(name="Siti Aminah")
    budi = make_member(name="Budi Santoso")
    mine = counter.sale([{"product_id": pid}], member_no=siti).json
    other = counter.sale([{"product_id": pid}], member_no=budi).json
    manager = login_as("manager")
    html = manager.get("/pos/sales?member_no=aminah").get_data(as_text=True)
    assert mine["number"] in html and other["number"] not in html
    by_number = manager.get(f"/pos/sales?member_no={budi.lower()}").get_data(as_text=True)
    assert other["number"] in by_number and mine["number"] not in by_number
