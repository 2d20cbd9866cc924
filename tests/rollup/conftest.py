"""Fixtures of the roll-up tests: a hub app, branch registration, signed posting."""

import json
from datetime import date

import pytest

from rollup.keys import sign
from tests import factories

REPORTS_URL = "/api/v1/association/reports"


def make_report(code, day, revision=1, **figures):
    """A valid report body for ``day`` with small figures; ``figures`` override."""
    body = {
        "branch_code": code,
        "date": day.isoformat() if isinstance(day, date) else day,
        "revision": revision,
        "sales_gross": 120_000,
        "discounts": 5_000,
        "returns": 15_000,
        "sales_net": 100_000,
        "ppn": 0,
        "transactions": 4,
        "items": 9,
        "by_payment": {"cash": 60_000, "qris": 40_000},
        "member_sales": 50_000,
        "members_total": 20,
        "members_joined": 1,
        "members_left": 0,
        "capital": {"pokok": 2_000_000, "wajib": 400_000, "sukarela": 150_000},
        "stock_value": {"owned_at_cost": 9_000_000, "consigned_at_supplier_price": 700_000},
        "umkm_purchases": 300_000,
        "consignment_payable": 80_000,
        "consignment_paid": 20_000,
        "active_umkm_suppliers": 5,
        "member_suppliers": 3,
        "staff": ["kasir1"],
        "staff_count": 1,
    }
    body.update(figures)
    return body


def signed_post(client, code, key, body, *, raw=None, signature=None, headers=None):
    raw = raw if raw is not None else json.dumps(body).encode()
    merged = {
        "Content-Type": "application/json",
        "X-Mart-Branch": code,
        "X-Mart-Signature": signature if signature is not None else sign(raw, key),
    }
    merged.update(headers or {})
    return client.post(REPORTS_URL, data=raw, headers={k: v for k, v in merged.items() if v})


@pytest.fixture
def hub(app_factory):
    """An app in association mode on the test database."""
    return app_factory(MART_MODE="association")


@pytest.fixture
def hub_client(hub):
    return hub.test_client()


@pytest.fixture
def register(hub):
    """``register("JKT01", name=..., kota=..., kecamatan=...)`` returns the branch key,
    taken from the last line of ``flask rollup add-branch`` as an operator would."""
    runner = hub.test_cli_runner()

    def factory(code, name=None, kota="Jakarta Selatan", kecamatan="Tebet", timezone=None):
        args = ["rollup", "add-branch", code, "--name", name or f"Mart {code}"]
        args += ["--kota", kota, "--kecamatan", kecamatan]
        if timezone:
            args += ["--timezone", timezone]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    return factory


@pytest.fixture
def hub_api(hub):
    """An API client with an association token on the hub (``hub_api("cashier")``:
    another role's)."""
    return lambda *roles: factories.api_user(hub, *(roles or ("association",)))
