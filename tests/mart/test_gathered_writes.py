"""``mart.db.gathered_writes``: on PostgreSQL the writes given to ``run_write`` inside
the block go in as one statement at its end; an error inside writes none of them; on
SQLite each runs at once."""

import pytest
import sqlalchemy as sa

from books import services as books
from books.models import Journal
from mart import audit
from mart.db import Write, gathered_writes, run_write
from mart.extensions import db
from mart.models import AuditLog

NOTE = Write(
    "INSERT INTO audit_log (at, action, note, after) VALUES (:at, :action, :note, :after)",
    binds=[
        sa.bindparam("at", type_=AuditLog.__table__.c.at.type),
        sa.bindparam("after", type_=AuditLog.__table__.c.after.type),
    ],
)
# A write with CTEs of its own, and casts (``::``) that are no parameters.
COUNTED = Write(
    "SELECT 1",
    ctes=[
        (
            "noted",
            "INSERT INTO audit_log (at, action, note) SELECT :at, :action,"
            " CAST(:n AS integer)::text || '::n' FROM (SELECT 1) AS one",
        )
    ],
    binds=[sa.bindparam("at", type_=AuditLog.__table__.c.at.type)],
)


def _notes(action):
    table = AuditLog.__table__
    return db.session.execute(
        sa.select(table.c.note, table.c.after).where(table.c.action == action).order_by(table.c.id)
    ).all()


def _statements(app):
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    return seen, count


def test_writes_in_the_block_go_in_together_at_its_end(app):
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        seen, count = _statements(app)
        now = audit.utcnow()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            with gathered_writes():
                ran = [
                    run_write(NOTE, {"at": now, "action": "t", "note": "a", "after": {"x": "Ï"}}),
                    run_write(NOTE, {"at": now, "action": "t", "note": "b", "after": None}),
                ]
                if postgres:  # CTEs that write: PostgreSQL's
                    ran.append(run_write(COUNTED, {"at": now, "action": "t", "n": 7}))
                seen_inside = _notes("t")
            after = _notes("t")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert ran == ([False] * 3 if postgres else [True] * 2)
        assert len(seen_inside) == (0 if postgres else 2)
        expected = [("a", {"x": "Ï"}), ("b", None)] + ([("7::n", None)] if postgres else [])
        assert [(n.note, n.after) for n in after] == expected
        writes = [s for s in seen if "audit_log (" in s]
        assert len(writes) == (1 if postgres else 2), writes
        db.session.rollback()


def test_an_error_in_the_block_writes_none_of_it(app):
    with app.app_context():
        with pytest.raises(RuntimeError), gathered_writes():
            run_write(NOTE, {"at": audit.utcnow(), "action": "e", "note": "a", "after": None})
            raise RuntimeError("refused")
        assert len(_notes("e")) == (0 if db.engine.dialect.name == "postgresql" else 1)
        with gathered_writes():  # the next block starts empty
            run_write(NOTE, {"at": audit.utcnow(), "action": "e2", "note": "b", "after": None})
        assert [n.note for n in _notes("e2")] == ["b"]
        db.session.rollback()


def test_a_second_journal_in_the_block_is_written_at_once(app):
    """Two journals would name the same CTEs: the first waits for the block's end
    (no id yet), the second is written at once and answers its id."""
    with app.app_context():
        books.ensure_chart()
        lines = [("kas", 1_000, 0), ("simpanan_sukarela", 0, 1_000)]
        on = books.local_today()
        with gathered_writes():
            first = books.post(on, "satu", lines, source_type="t", source_id=1)
            second = books.post(on, "dua", lines, source_type="t", source_id=2)
        journals = Journal.__table__
        memos = db.session.scalars(
            sa.select(journals.c.memo).where(journals.c.source_type == "t").order_by(journals.c.id)
        ).all()
        if db.engine.dialect.name == "postgresql":
            assert first is None and second is not None
            assert memos == ["dua", "satu"]  # the gathered one went in at the end
        else:
            assert first is not None and second is not None
            assert memos == ["satu", "dua"]
        db.session.rollback()
