"""Issue 11, money 1, 2 and 6: DPP nilai lain from the exact price before tax, a
return's own PPN on its nota retur, every PPN figure net of returns, and the day's
member sales, rounding and refunds adding up to ``sales_net``."""

from datetime import timedelta
from fractions import Fraction

import pytest
import sqlalchemy as sa

from mart.db import utcnow
from mart.extensions import db
from mart.money import round_half_up
from pos import services as pos_services
from printers import services as printing
from printers.models import PrintJob
from rollup.branch import business_date
from tests import factories


def _today(app):
    with app.app_context():
        return business_date().isoformat()


@pytest.fixture
def pkp(app_factory):
    app = app_factory(MART_PKP=True)
    return app, factories.make_counter(app)


def _issue_sale(app, counter):
    """The audit's receipt: three lines of 5.555 and 1,255 kg of eggs at 28.900."""
    a, _ = factories.make_product(app, price=5_555)
    b, _ = factories.make_product(app, price=5_555)
    c, _ = factories.make_product(app, price=5_555)
    eggs, _ = factories.make_product(app, price=28_900, unit="kg", tax="exempt")
    lines = [{"product_id": p, "quantity": 1} for p in (a, b, c)]
    lines.append({"product_id": eggs, "quantity": 1.255})
    sale = counter.sale(lines, [{"method": "cash", "amount": 60_000}])
    assert sale.status_code == 201, sale.json
    return sale.json, (a, b, c, eggs)


def test_dpp_of_the_issue_receipt_gives_its_ppn(pkp):
    app, counter = pkp
    sale, _ = _issue_sale(app, counter)
    # eggs are exempt: 1,255 x 28.900 = 36.269,5 -> 36.270, no PPN
    assert sale["total"] == 3 * 5_555 + 36_270
    assert sale["taxable"] == 16_665
    assert (sale["dpp"], sale["ppn"]) == (13_762, 1_651)
    assert round_half_up(Fraction(sale["dpp"] * 12, 100)) == sale["ppn"]
    text = counter.cashier.get(f"/sales/{sale['id']}/receipt?width=48").get_data(as_text=True)
    assert "13.762" in text and "1.651" in text and "13.763" not in text


def test_a_return_carries_its_own_ppn_and_prints_a_nota_retur(pkp, rows):
    app, counter = pkp
    sale, (a, _b, _c, eggs) = _issue_sale(app, counter)
    back = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": a, "quantity": 1}, {"product_id": eggs, "quantity": 0.5}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert back.status_code == 201, back.json
    # 5.555 x 11/111 = 550,49 -> 550; eggs carry none. DPP 5.555 x 100/111 x 11/12 = 4.587,39
    assert back.json["taxable"] == 5_555
    assert (back.json["dpp"], back.json["ppn"]) == (4_587, 550)
    # eggs: 36.270 x 0,5 / 1,255 = 14.450,2 -> 14.450
    assert back.json["amount"] == 5_555 + 14_450
    with app.app_context():
        job = db.session.scalar(
            sa.select(PrintJob)
            .where(PrintJob.ref_type == "return", PrintJob.kind != "drawer")  # the cash kick
            .order_by(PrintJob.id.desc())
        )
        assert job is not None

        text = printing.job_preview(job, 48)
    assert "NOTA RETUR" in text
    assert sale["number"] in text
    assert "550" in text and "4.587" in text
    # the shift's X report and the day's figures count PPN net of the return
    report = counter.cashier.get(f"/shifts/{counter.shift['id']}/report").json
    assert (report["sales_ppn"], report["returns_ppn"], report["ppn"]) == (1_651, 550, 1_101)
    assert "1.101" in report["text"]
    provider = pos_services.rollup_figures
    now = utcnow()
    with app.app_context():
        figures = provider(now - timedelta(hours=1), now + timedelta(hours=1))
    assert figures["ppn"] == 1_101
    assert (figures["sales_ppn"], figures["returns_ppn"]) == (1_651, 550)
    daily = counter.manager.get(f"/rollup/daily?date={_today(app)}")
    assert daily.status_code == 200 and daily.json["ppn"] == 1_101


def test_a_return_of_a_sale_without_ppn_carries_none(app, counter, make_product):
    pid, _ = make_product(price=11_100)
    sale = counter.sale(
        [{"product_id": pid, "quantity": 2}], [{"method": "cash", "amount": 22_200}]
    )
    back = counter.cashier.post(
        f"/sales/{sale.json['id']}/returns",
        json={"lines": [{"product_id": pid, "quantity": 1}], "approval_pin": "4321"},
    )
    assert back.status_code == 201
    assert (back.json["taxable"], back.json["dpp"], back.json["ppn"]) == (0, 0, 0)


def test_roll_up_member_sales_net_of_returns_and_payments_add_up(app_factory, rows):
    app = app_factory(MART_CASH_ROUNDING=100)
    counter = factories.make_counter(app)
    pid, _ = factories.make_product(app, price=1_234)
    member_no = factories.make_member(app)
    member = counter.sale(
        [{"product_id": pid, "quantity": 5}],  # 6.170 -> cash due 6.200 (rounding +30)
        [{"method": "cash", "amount": 10_000}],
        member_no=member_no,
    ).json
    assert member["rounding"] == 30
    counter.sale(
        [{"product_id": pid, "quantity": 3}],  # 3.702: 2.000 by QRIS, 1.702 -> 1.700 cash
        [
            {"method": "qris", "amount": 2_000, "reference": "Q1"},
            {"method": "cash", "amount": 2_000},
        ],
    )
    back = counter.cashier.post(
        f"/sales/{member['id']}/returns",
        json={"lines": [{"product_id": pid, "quantity": 2}], "approval_pin": "4321"},
    )
    assert back.status_code == 201 and back.json["amount"] == 2_468
    provider = pos_services.rollup_figures
    now = utcnow()
    with app.app_context():
        f = provider(now - timedelta(hours=1), now + timedelta(hours=1))
    assert f["sales_gross"] == 6_170 + 3_702
    assert f["sales_net"] == 6_170 + 3_702 - 2_468
    # member sales net of the member's return, as sales_net is
    assert f["member_sales"] == 6_170 - 2_468
    assert f["rounding"] == 30 - 2
    assert f["refunds"] == {"cash": 2_468}
    assert f["by_payment"] == {"cash": 6_200 + 1_700, "qris": 2_000}
    assert (
        sum(f["by_payment"].values()) - f["rounding"] - sum(f["refunds"].values()) == f["sales_net"]
    )
    daily = counter.manager.get(f"/rollup/daily?date={_today(app)}")
    assert daily.status_code == 200
    d = daily.json
    assert d["member_sales"] == 6_170 - 2_468
    assert d["rounding"] == 28 and d["refunds"] == {"cash": 2_468}
    assert d["member_sales_share"] == pytest.approx((6_170 - 2_468) / d["sales_net"], abs=1e-4)


def test_manager_pages_show_a_returns_ppn(pkp):
    """The sale page's returns and the shift page list each return's refund method,
    amount, DPP and PPN; the shift page also totals the returns' PPN."""
    app, counter = pkp
    sale, (a, _b, _c, _eggs) = _issue_sale(app, counter)
    back = counter.cashier.post(
        f"/sales/{sale['id']}/returns",
        json={
            "lines": [{"product_id": a, "quantity": 1}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert back.status_code == 201, back.json
    manager = factories.login(app, "manager", username="manajer-ppn")
    page = manager.get(f"/pos/sales/{sale['id']}").get_data(as_text=True)
    table = page[page.index('data-testid="sale-returns"') :]
    table = table[: table.index("</table>")]
    assert back.json["number"] in table and "Tunai" in table
    assert "Rp 5.555" in table and "Rp 4.587" in table and "Rp 550" in table
    page = manager.get(f"/pos/shifts/{counter.shift['id']}").get_data(as_text=True)
    assert "PPN retur" in page
    table = page[page.index('data-testid="shift-returns"') :]
    table = table[: table.index("</table>")]
    assert back.json["number"] in table and sale["number"] in table
    assert "Rp 4.587" in table and "Rp 550" in table
