"""The supplier's own page says the commission the mart keeps and how many of each
product were sold (issue 13 item 12)."""

from inventory import services
from mart.extensions import db
from tests.inventory.test_pages import stocked  # noqa: F401  (the fixture)


def test_supplier_home_shows_commission_and_sold(app, login_as, stocked):  # noqa: F811
    with app.app_context():
        services.record_customer_return(stocked["krp"], 1, unit_price=12000, ref_id="r1")
        db.session.commit()
    html = login_as("supplier", supplier_id=stocked["cons"]).get("/inventory/supplier_home")
    html = html.get_data(as_text=True)
    assert "komisi" in html.lower() and "15%" in html
    assert f'data-testid="sold-{stocked["krp"]}">2<' in html  # 3 sold, 1 back
