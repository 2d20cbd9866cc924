"""mart.apiutil.large_json: the hub's answers of many rows written by orjson say the
same JSON as ``jsonify`` (keys sorted, Decimal as text), with dates as ISO text."""

import json
from datetime import date
from decimal import Decimal

import pytest
from flask import jsonify

from mart.apiutil import large_json


def test_large_json_says_what_jsonify_says(app):
    data = {
        "rows": [{"z": 1, "a": "Kecamatan Ñ", "n": None, "t": True, "d": Decimal("1.50")}] * 3,
        "b": -(2**62),
    }
    with app.test_request_context():
        ours, flasks = large_json(data), jsonify(data)
        assert ours.mimetype == "application/json"
        assert json.loads(ours.get_data()) == json.loads(flasks.get_data())
        # the keys in jsonify's (sorted) order
        assert list(json.loads(ours.get_data())) == ["b", "rows"]
        assert ours.get_data().startswith(b'{"b":')
        assert large_json({"day": date(2026, 10, 8)}).get_json() == {"day": "2026-10-08"}


def test_large_json_refuses_what_it_cannot_write(app):
    with app.test_request_context(), pytest.raises(TypeError, match="object"):
        large_json({"x": object()})
