"""Fuzz the inventory API (schemathesis, small deterministic budget): no 5xx, answers
match their documented schema, every error has a message."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from inventory import services
from mart.extensions import db
from tests.factories import ean13

EXAMPLES = int(os.environ.get("MART_FUZZ_EXAMPLES", "3"))
PREFIXES = (
    "/api/v1/products",
    "/api/v1/suppliers",
    "/api/v1/goods-receipts",
    "/api/v1/supplier-returns",
    "/api/v1/write-offs",
    "/api/v1/consignment-settlements",
    "/api/v1/stock",
)

pytestmark = pytest.mark.slow


def test_fuzz_inventory_operations(app, api_as, make_supplier, make_product):
    manager = api_as("manager")
    sup = make_supplier(terms="consignment", commission_percent=10)
    pid = make_product(supplier_id=sup, supplier_price=1000, barcode=ean13(4242))
    with app.app_context():
        services.post_goods_receipt(
            {"supplier_id": sup, "lines": [{"product_id": pid, "quantity": 5}]}
        )
        services.record_sale(pid, 1, unit_price=1500, ref_id="x")
        services.create_settlement(sup, services.utcnow().date())
        services.open_count({})
        db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(PREFIXES) and not operation.path.startswith(
            tuple(p.removeprefix("/api/v1") for p in PREFIXES)
        ):
            continue
        real = {"product_id": pid, "supplier_id": sup, "settlement_id": 1, "count_id": 1}
        names = [p.name for p in operation.path_parameters]
        strategies = [operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
        strategies.append(
            operation.as_strategy(
                generation_mode=GenerationMode.POSITIVE,
                path_parameters={n: real[n] for n in names if n in real} or None,
            )
        )
        for strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                response = case.call_and_validate(
                    headers={"Authorization": f"Bearer {manager.token}"},
                    checks=[not_a_server_error, response_schema_conformance],
                )
                if response.status_code >= 400:
                    assert response.json().get("message"), response.text

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label}: {str(exc)[:800]}")
                break
    assert not failures, "\n\n".join(failures)
