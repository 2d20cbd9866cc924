"""JSON columns are written by ``mart.db.json_column_text`` (the engines'
``json_serializer``): orjson's text, read back as what ``json.dumps`` wrote, and what
``json.dumps`` refused still refused, with nothing stored."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from mart.db import json_column_text
from mart.extensions import db
from mart.models import AuditLog


class Colour(StrEnum):
    RED = "merah"


class Level(IntEnum):
    HIGH = 3


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(-5, 5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_it_reads_back_as_json_dumps_wrote_it(value):
    assert json.loads(json_column_text(value)) == json.loads(json.dumps(value))


def test_values_orjson_writes_otherwise_go_to_json_dumps():
    value = {
        1: "kunci angka",
        "enum": Colour.RED,
        "level": Level.HIGH,
        "big": 2**80,
        "teks": "Bahasa Indonésia \ud800",
    }
    assert json_column_text(value) == json.dumps(value)


@pytest.mark.parametrize(
    "value",
    [Decimal("1.5"), datetime(2026, 12, 4, tzinfo=UTC), date(2026, 12, 4), {1, 2}, object()],
)
def test_what_json_dumps_refused_is_refused(value):
    with pytest.raises(TypeError):
        json.dumps({"v": value})
    with pytest.raises(TypeError):
        json_column_text({"v": value})


@pytest.fixture
def audit_rows(app):
    with app.app_context():
        yield lambda: db.session.execute(sa.select(sa.func.count()).select_from(AuditLog)).scalar()


def _audit(**values):
    row = AuditLog(
        at=datetime(2026, 12, 4, 10, 0, tzinfo=UTC),
        username="kasir1",
        action="test.json",
        target_type="Test",
        target_id="1",
        **values,
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def test_the_app_engine_writes_it(app, audit_rows):
    after = {"nama": "Kopi Tubruk", "harga": 12_500, "baris": [1, 2, {"qty": "1.250"}]}
    row_id = _audit(after=after)
    db.session.expire_all()
    assert db.session.get(AuditLog, row_id).after == after
    cast = sa.cast(AuditLog.__table__.c.after, sa.Text)
    stored = db.session.execute(sa.select(cast).where(AuditLog.id == row_id)).scalar_one()
    assert stored == json_column_text(after)  # the engine's serializer, not json.dumps


def test_a_value_json_refuses_stores_nothing(app, audit_rows):
    before = audit_rows()
    # SQLAlchemy's error on SQLite; psycopg dumps the value itself, and raises it as is
    with pytest.raises((sa.exc.StatementError, TypeError), match="Decimal"):
        _audit(after={"harga": Decimal("12500.5")})
    db.session.rollback()
    assert audit_rows() == before
