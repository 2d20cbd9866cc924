"""SHU from the books to the rupiah, the PHU split into business with members and
with non-members (net sales before tax, net of returns), the RAT pack, and the XLSX
downloads read back with openpyxl."""

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from books import post, reports
from books.reports_models import SalesDay
from books.services import local_today
from mart.extensions import db
from members.models import ShuYear
from pos.books_sales import net_sales
from tests import factories
from tests.books.test_reports import small_year

TYPICAL = {
    "cadangan": 40,
    "jasa_modal": 20,
    "jasa_usaha": 20,
    "dana_pengurus": 5,
    "dana_karyawan": 5,
    "dana_pendidikan": 5,
    "dana_sosial": 5,
}


def this_year(app):
    with app.app_context():
        return local_today().year


def counter_sales(app):
    """A member's sale (Rp 11.100 with PPN: 10.000 before tax) and a non-member's sale
    of two items (Rp 22.200: 20.000), one of them returned (-10.000): net sales
    20.000, of which members 10.000."""
    counter = factories.make_counter(app)
    product, _code = factories.make_product(app, price=11_100)
    member_no = factories.make_member(app, pokok=True, wajib=50_000, pin=None)
    sold = counter.sale([{"product_id": product, "quantity": 1}], member_no=member_no)
    assert sold.status_code == 201, sold.json
    other = counter.sale([{"product_id": product, "quantity": 2}])
    assert other.status_code == 201, other.json
    ret = counter.cashier.post(
        f"/sales/{other.json['id']}/returns",
        json={
            "lines": [{"product_id": product, "quantity": 1}],
            "refund_method": "cash",
            "approval_pin": "4321",
        },
    )
    assert ret.status_code == 201, ret.json
    return counter, member_no


@pytest.mark.parametrize("pkp", [True, False])
def test_net_sales_before_tax_net_of_returns_by_members(app_factory, pkp):
    app = app_factory(MART_PKP=pkp)
    counter_sales(app)
    year = this_year(app)
    with app.app_context():
        got = net_sales(date(year, 1, 1), date(year, 12, 31))
        # without PPN the prices are the net sales: 11.100 + 22.200 - 11.100
        assert got == (
            {"all": 20_000, "members": 10_000} if pkp else {"all": 22_200, "members": 11_100}
        )
        assert net_sales(date(year - 1, 1, 1), date(year - 1, 12, 31)) == {"all": 0, "members": 0}


@pytest.mark.parametrize("lag", [0, 10**9])  # folded per day / read from the journals
def test_split_read_through_the_journals_equals_the_sales(app_factory, lag):
    app = app_factory(MART_PKP=True, MART_BOOKS_SUMMARY_LAG_SECONDS=lag)
    counter_sales(app)
    year = this_year(app)
    with app.app_context():
        period = (date(year, 1, 1), date(year, 12, 31))
        assert (
            reports.net_sales(*period) == net_sales(*period) == {"all": 20_000, "members": 10_000}
        )
        db.session.commit()
        folded = db.session.scalar(sa.select(sa.func.count()).select_from(SalesDay))
        assert (folded > 0) == (lag == 0)
        assert reports.net_sales(date(year - 1, 1, 1), date(year - 1, 12, 31))["all"] == 0


def test_phu_split_and_shu_from_the_books_to_the_rupiah(app_factory):
    app = app_factory(MART_PKP=True)
    manager = factories.api_user(app, "manager")
    counter, buyer = counter_sales(app)
    year = this_year(app)
    other = factories.make_member(app, pokok=True, wajib=150_000, pin=None)
    # The year's expenses and other income, by hand, on top of whatever the sales posted.
    with app.app_context():
        post(date(year, 1, 2), "modal", [("bank", 5_000_000, 0), ("saldo_awal", 0, 5_000_000)],
             source_type=None, source_id=None, kind="opening")  # fmt: skip
        post(date(year, 1, 3), "jasa", [("bank", 1_234_567, 0), ("pendapatan_lain", 0, 1_234_567)],
             source_type=None, source_id=None, kind="manual")  # fmt: skip
        db.session.commit()
    phu = manager.get(f"/books/income-statement?from={year}-01-01&to={year}-12-31").json
    surplus = phu["surplus"]
    assert surplus == phu["gross_margin"] + phu["other_income"] - phu["expenses"]
    assert phu["surplus_non_members"] == surplus * 10_000 // 20_000
    assert phu["surplus_members"] == surplus - phu["surplus_non_members"]

    preview = manager.post(f"/shu/{year}/preview", json={"allocation": TYPICAL})
    assert preview.status_code == 200, preview.json
    body = preview.json
    assert body["surplus"] == phu["surplus_members"]
    assert body["from_books"] == {
        "surplus": surplus,
        "surplus_members": phu["surplus_members"],
        "surplus_non_members": phu["surplus_non_members"],
    }
    assert body["non_members_to_cadangan"] == phu["surplus_non_members"]
    # the same division as with the members' share typed in, the non-members' share
    # added to cadangan: every rupiah of the books' surplus is accounted for
    typed = manager.post(
        f"/shu/{year}/preview", json={"surplus": phu["surplus_members"], "allocation": TYPICAL}
    ).json
    assert typed["members"] == body["members"] and typed["parts"] == body["parts"]
    assert body["cadangan_total"] == typed["cadangan_total"] + phu["surplus_non_members"]
    paid = body["paid_to_members"]["total"]
    funds = sum(
        v for k, v in body["parts"].items() if k not in ("cadangan", "jasa_modal", "jasa_usaha")
    )
    assert paid + funds + body["cadangan_total"] == surplus
    shares = {m["member_no"]: m for m in body["members"]}
    jm_part = body["parts"]["jasa_modal"]
    # capital: pokok + wajib of each member (both paid the branch's pokok)
    caps = {buyer: shares[buyer]["capital"], other: shares[other]["capital"]}
    total_cap = body["total_capital"]
    assert shares[other]["jasa_modal"] == (
        caps[other] * (phu["surplus_members"] * 20) // (100 * total_cap)
    )
    assert jm_part == phu["surplus_members"] * 20 // 100
    assert shares[buyer]["purchases"] == 11_100 and shares[other]["purchases"] == 0

    # the running year: posted early by an admin's explicit override
    admin = factories.api_user(app, "admin")
    posted = admin.post(f"/shu/{year}/post", json={"allocation": TYPICAL, "override": True})
    assert posted.status_code == 201, posted.json
    assert posted.json["from_books"] == body["from_books"]
    with app.app_context():
        row = db.session.scalar(sa.select(ShuYear).where(ShuYear.year == year))
        assert row.surplus == phu["surplus_members"] and row.from_books == body["from_books"]
    got = manager.get(f"/shu/{year}").json
    assert got["non_members_to_cadangan"] == phu["surplus_non_members"]
    # the SHU's journal: the whole SHU of the year leaves it; cadangan gets its part,
    # the rounding and the non-members' share
    sheet = manager.get(f"/books/balance-sheet?as_of={year}-12-31").json
    equity = {r["role"]: r["balance"] for r in sheet["equity"]["accounts"]}
    assert equity["cadangan"] == body["cadangan_total"]
    assert equity["shu_tahun_berjalan"] == 0  # unclosed surplus less what was divided
    assert sheet["assets"]["total"] == sheet["liabilities"]["total"] + sheet["equity"]["total"]


def test_shu_from_books_without_surplus_422_and_writes_nothing(app, api_as, rows):
    manager = api_as("manager")
    factories.make_member(app, pokok=True, pin=None)
    before = rows.snapshot()
    year = this_year(app) - 1
    response = manager.post(f"/shu/{year}/post", json={"allocation": TYPICAL})
    assert response.status_code == 422
    assert "surplus" in response.json["errors"]["json"]
    null = manager.post(f"/shu/{year}/preview", json={"surplus": None, "allocation": TYPICAL})
    assert null.status_code == 422
    after = rows.snapshot()
    # the report may fold journal lines (none here): nothing else changes
    assert {k: v for k, v in after.items() if k != "books_summary_mark"} == {
        k: v for k, v in before.items() if k != "books_summary_mark"
    }


def _xlsx(response):
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def _values(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


@pytest.mark.books_unchecked  # journals kept by hand (small_year)
def test_xlsx_downloads_read_back(app, login_as):
    year = this_year(app) - 1
    small_year(app, year)
    page = login_as("manager")
    end = f"{year}-12-31"
    wb = _xlsx(page.get(f"/books/reports/trial-balance.xlsx?as_of={end}"))
    rows_ = _values(wb.active)
    assert list(rows_[-1][2:4]) == [19_071_050, 19_071_050]
    assert ["1101", "Kas", 5_771_050, 0] in [list(r[:4]) for r in rows_]

    wb = _xlsx(page.get(f"/books/reports/balance-sheet.xlsx?as_of={end}"))
    flat = [v for r in _values(wb.active) for v in r]
    assert 13_571_050 in flat and 10_720_050 in flat

    wb = _xlsx(page.get(f"/books/reports/income-statement.xlsx?from={year}-01-01&to={end}"))
    flat = [v for r in _values(wb.active) for v in r]
    assert 5_920_000 in flat and 720_050 in flat

    wb = _xlsx(page.get(f"/books/reports/cash-flow.xlsx?from={year}-01-01&to={end}"))
    flat = [v for r in _values(wb.active) for v in r]
    assert 12_771_050 in flat

    wb = _xlsx(page.get(f"/books/reports/ledger.xlsx?account=1101&from={year}-01-01&to={end}"))
    assert _values(wb.active)[-1][-1] == 5_771_050

    factories.make_member(app, pokok=True, wajib=100_000, pin=None)
    wb = _xlsx(page.get(f"/members/rat/{year}.xlsx"))
    assert len(wb.sheetnames) == 4
    neraca = [v for r in _values(wb.worksheets[0]) for v in r]
    assert 13_571_050 in neraca
    phu = [v for r in _values(wb.worksheets[1]) for v in r]
    assert 720_050 in phu


@pytest.mark.books_unchecked  # journals kept by hand (small_year)
def test_rat_pack_has_the_previous_year_beside(app, api_as):
    manager = api_as("manager")
    year = this_year(app) - 1
    small_year(app, year)
    with app.app_context():
        post(date(year - 1, 6, 1), "earlier", [("bank", 1_000, 0), ("saldo_awal", 0, 1_000)],
             source_type=None, source_id=None, kind="opening")  # fmt: skip
        db.session.commit()
    pack = manager.get(f"/rat/{year}")
    assert pack.status_code == 200, pack.json
    body = pack.json
    assert body["balance_sheet"]["assets"]["now"] == 13_571_050 + 1_000
    assert body["balance_sheet"]["assets"]["before"] == 1_000
    assert body["income_statement"]["surplus"] == 720_050
    # not posted: a preview of the division from the books at the typical split
    assert body["shu"]["posted"] is False and body["shu"]["surplus"] == 720_050
    assert body["shu"]["capital_as_of"] == f"{year}-12-31"
