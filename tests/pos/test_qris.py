"""QRIS: the dynamic payload from the static one, checked against the EMVCo rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos import qris
from tests import factories

MERCHANT_ACCOUNT = "0018ID.CO.QRIS.WWW0215ID10200000000010303UMI"
STATIC = qris.build(
    [
        ("00", "01"),
        ("01", "11"),
        ("26", "0014ID.CO.BANK.WWW01189360000000000000010210000000000303UMI"),
        ("51", MERCHANT_ACCOUNT),
        ("52", "5411"),
        ("53", "360"),
        ("58", "ID"),
        ("59", "OK OCE MART DEMO"),
        ("60", "JAKARTA"),
        ("61", "10110"),
        ("62", "0703A01"),
    ]
)


def test_crc_known_vector():
    assert qris.crc16_ccitt("123456789") == "29B1"


def test_static_fixture_is_well_formed():
    assert qris.crc_ok(STATIC)


def test_dynamic_payload_structure():
    payload = qris.dynamic_payload(STATIC, 15_000)
    fields = qris.parse(payload)
    tags = [t for t, _ in fields]
    assert tags[0] == "00" and fields[0][1] == "01"
    assert dict(fields)["01"] == "12"
    assert dict(fields)["54"] == "15000"
    assert tags[-1] == "63" and len(fields[-1][1]) == 4
    assert fields[-1][1] == fields[-1][1].upper()
    # tag 54 sits in tag order: after 53, before 58
    assert tags.index("53") < tags.index("54") < tags.index("58")
    assert qris.crc_ok(payload)
    # every other field is kept as it was
    kept = [(t, v) for t, v in qris.parse(STATIC) if t not in ("01", "63")]
    assert [(t, v) for t, v in fields if t not in ("01", "54", "63")] == kept


def test_existing_amount_replaced_not_doubled():
    once = qris.dynamic_payload(STATIC, 1_000)
    twice = qris.dynamic_payload(once, 2_500)
    fields = qris.parse(twice)
    assert [t for t, _ in fields].count("54") == 1
    assert qris.amount_of(twice) == 2_500
    assert qris.crc_ok(twice)


@given(st.integers(min_value=1, max_value=qris.MAX_AMOUNT))
def test_amount_round_trips(amount):
    payload = qris.dynamic_payload(STATIC, amount)
    assert qris.amount_of(payload) == amount
    assert qris.crc_ok(payload)


@pytest.mark.parametrize("amount", [0, -5, 10**13, 1.5, True])
def test_bad_amount_refused(amount):
    with pytest.raises(ValueError):
        qris.dynamic_payload(STATIC, amount)


@pytest.mark.parametrize("payload", ["", "0002", "000201010212", "XX0201", "0099abc"])
def test_malformed_payload_refused(payload):
    with pytest.raises(qris.QrisError):
        qris.dynamic_payload(payload, 1000)


def test_svg_is_made_on_the_server():
    svg = qris.svg(qris.dynamic_payload(STATIC, 15_000))
    assert svg.startswith("<svg") and "</svg>" in svg


# --- the endpoint -------------------------------------------------------------------


def test_qris_endpoint_without_payload_409(api_as):
    cashier = api_as("cashier")
    response = cashier.get("/qris?amount=15000")
    assert response.status_code == 409
    assert "MART_QRIS_PAYLOAD" in response.json["message"]


def test_qris_endpoint_gives_payload(app_factory):
    app = app_factory(MART_QRIS_PAYLOAD=STATIC)
    cashier = factories.api_user(app, "cashier", username="kasir-qris")
    response = cashier.get("/qris?amount=15000")
    assert response.status_code == 200, response.json
    assert qris.amount_of(response.json["payload"]) == 15_000
    assert qris.crc_ok(response.json["payload"])
    assert response.json["svg"].startswith("<svg")
    for bad in ("0", "-1", "abc", ""):
        bad_response = cashier.get(f"/qris?amount={bad}")
        assert bad_response.status_code == 422, bad
        assert "amount" in bad_response.json["errors"]["query"]
