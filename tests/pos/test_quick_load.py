"""The sale's body loaded quickly (``pos.schemas.QuickLoadSchema``) is what
marshmallow's own load makes of it, for valid bodies and broken ones alike: the same
result, or the same errors."""

import uuid
from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from pos import schemas
from pos.models import PAYMENT_METHODS

pytestmark = pytest.mark.single_pass  # no database: the same on both

# A value of any JSON type, to put where a field expects its own.
ANY_JSON = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**14), max_value=10**14),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.text(max_size=70),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _text(most, *, least=0):
    return st.text(min_size=least, max_size=most)


MONEY = st.integers(min_value=0, max_value=10**13)
QUANTITY = st.one_of(
    st.integers(min_value=1, max_value=10**9),
    st.decimals(places=3, min_value=Decimal("0.001"), max_value=1000).map(float),
    st.sampled_from(["2.5", " 3 "]),
)
LINE = st.one_of(
    st.fixed_dictionaries(
        {"product_id": st.integers(min_value=1, max_value=10**6)},
        optional={"quantity": QUANTITY, "discount": MONEY, "barcode": st.none()},
    ),
    st.fixed_dictionaries(
        {"barcode": _text(64, least=1)},
        optional={"quantity": QUANTITY, "discount": MONEY, "product_id": st.none()},
    ),
)
PAYMENT = st.fixed_dictionaries(
    {"method": st.sampled_from(PAYMENT_METHODS), "amount": st.integers(1, 10**13)},
    optional={"reference": st.one_of(st.none(), _text(100))},
)
SALE = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str),
        "shift_id": st.integers(min_value=1, max_value=10**9),
        "lines": st.lists(LINE, min_size=1, max_size=4),
    },
    optional={
        "member_no": st.one_of(st.none(), _text(32)),
        "payments": st.lists(PAYMENT, max_size=3),
        "discount": MONEY,
        "member_pin": st.one_of(st.none(), _text(16)),
        "member_pin_approval": st.one_of(st.none(), _text(64)),
        "approval_pin": st.one_of(st.none(), _text(8)),
        "approver": st.one_of(st.none(), _text(64)),
        "created_at": st.one_of(
            st.none(),
            st.datetimes().map(lambda d: d.isoformat()),
            st.datetimes().map(lambda d: d.isoformat() + "+07:00"),
            st.just("2026-12-04T07:00:00Z"),
        ),
    },
)
# Wrong values: boundaries of the fields above, and other JSON types.
WRONG = st.one_of(
    ANY_JSON,
    st.sampled_from(
        [
            -1,
            0,
            10**9 + 1,
            10**13 + 1,
            1.2345,
            2.0,
            "1,5",
            "1e3",
            "NaN",
            "",
            True,
            "not-a-uuid",
            "yesterday",
            "2026-13-01T00:00:00",
            "2026-12-04",
            "bitcoin",
            [],
            {},
        ]
    ),
    st.text(min_size=17, max_size=101),
)


def _dicts(value):
    return [one for one in value if isinstance(one, dict)] if isinstance(value, list) else []


@st.composite
def bodies(draw):
    """A valid sale's body with up to two things broken: a value made wrong, a key
    left out, an unknown key added; at the top or in a line or a payment."""
    body = draw(SALE)
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        inner = [*_dicts(body.get("lines")), *_dicts(body.get("payments"))]
        places = [body, *inner]
        place = draw(st.sampled_from(places))
        keys = sorted(place) or ["product_id"]
        key = draw(st.sampled_from(keys))
        how = draw(st.sampled_from(["wrong", "wrong", "none", "drop", "unknown"]))
        if how == "wrong":
            place[key] = draw(WRONG)
        elif how == "none":
            place[key] = None
        elif how == "drop":
            place.pop(key, None)
        else:
            place["note"] = draw(ANY_JSON)
    return body


def _outcome(schema, body):
    try:
        return "loaded", schema.load(body)
    except ValidationError as err:
        return "refused", err.messages


def _marshmallows(body, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(schemas.QuickLoadSchema, "quick_load", False)
        return _outcome(schemas.SaleIn(), body)


@settings(max_examples=400, deadline=None)
@given(body=st.one_of(*[bodies()] * 8, ANY_JSON, st.lists(SALE, max_size=1)))
def test_quick_load_is_marshmallows_load(body):
    event("loaded" if _outcome(schemas.SaleIn(), body)[0] == "loaded" else "refused")
    with pytest.MonkeyPatch.context() as monkeypatch:  # no fixture inside @given
        expected = _marshmallows(body, monkeypatch)
    assert _outcome(schemas.SaleIn(), body) == expected


def test_the_register_s_usual_body_is_loaded_quickly(monkeypatch):
    """The plain body never reaches marshmallow's load (else nothing is saved), and
    comes out as marshmallow makes it."""
    body = {
        "id": str(uuid.uuid4()),
        "shift_id": 3,
        "member_no": None,
        "lines": [
            {"product_id": 7, "quantity": 2},
            {"barcode": "8995265089391", "quantity": 1.25, "discount": 500},
        ],
        "payments": [{"method": "cash", "amount": 50_000}],
        "created_at": "2026-12-04T14:05:09+07:00",
    }
    expected = _marshmallows(body, monkeypatch)
    calls = []
    marshmallow_load = schemas.Schema.load

    def counted(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return marshmallow_load(self, *args, **kwargs)

    monkeypatch.setattr(schemas.Schema, "load", counted)
    loaded = schemas.SaleIn().load(body)
    assert calls == []
    assert ("loaded", loaded) == expected
    assert loaded["lines"][1]["quantity"] == Decimal("1.250")
    assert loaded["payments"][0]["reference"] is None


@pytest.mark.parametrize(
    ("body_change", "errors"),
    [
        ({"shift_id": True}, {"shift_id": ["Not a valid integer."]}),
        (
            {"lines": [{"quantity": 1}]},
            {"lines": {0: {"product_id": ["Give product_id or barcode."]}}},
        ),
        ({"payments": [{"method": "emas", "amount": 1}]}, None),
        ({"note": "x"}, {"note": ["Unknown field."]}),
    ],
)
def test_a_broken_body_gets_marshmallow_s_errors(body_change, errors, monkeypatch):
    body = {"id": str(uuid.uuid4()), "shift_id": 1, "lines": [{"product_id": 1}]}
    body.update(body_change)
    expected = _marshmallows(body, monkeypatch)
    assert expected[0] == "refused"
    with pytest.raises(ValidationError) as refused:
        schemas.SaleIn().load(body)
    assert refused.value.messages == expected[1]
    if errors is not None:
        assert refused.value.messages == errors
