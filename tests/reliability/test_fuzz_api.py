"""Fuzzing the API with schemathesis against /api/v1/openapi.json, as admin.

A bounded, deterministic budget (``MART_FUZZ_EXAMPLES`` examples per operation and
generation mode, default 4; derandomized; the PostgreSQL pass generates valid input
only, the SQLite pass invalid input too): no 5xx, every answer matches the schema
documented for its status, every error answer carries a ``message``. Path ids are
generated at random and also taken from real seeded records (so the operation is
exercised beyond its 404).
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from mart.auth import issue_token
from mart.extensions import db
from mart.models import User

EXAMPLES = int(os.environ.get("MART_FUZZ_EXAMPLES", "4"))

pytestmark = pytest.mark.slow


class MissingMessage(AssertionError):
    pass


def error_has_message(ctx, response, case):
    """Every 4xx/5xx answer is JSON with a human-readable ``message``."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except Exception as exc:
        raise MissingMessage(
            f"{case.method} {case.formatted_path}: {response.status_code} is not JSON"
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        raise MissingMessage(
            f"{case.method} {case.formatted_path}: {response.status_code} without a message: "
            f"{body!r}"
        )
    if not body["message"].strip():
        raise MissingMessage(f"{case.method} {case.formatted_path}: empty message")
    return True


def _describe(exc):
    parts = [f"{type(exc).__name__}: {str(exc).strip()[:600]}"]
    for inner in getattr(exc, "exceptions", ()):
        parts.append(f"  - {type(inner).__name__}: {str(inner).strip()[:600]}")
    return "\n".join(parts)


def _token(app, user_id):
    with app.app_context():
        token, _ = issue_token(db.session.get(User, user_id))
        db.session.commit()
        return token


def test_fuzz_every_operation(seeded_branch, is_postgres):
    app, _hub, matrix = seeded_branch
    admin_id = matrix.users["admin"]
    reading = {"Authorization": f"Bearer {_token(app, admin_id)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = 0
    calls = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        path_args = [p.name for p in operation.path_parameters]
        real = {}
        for name in path_args:
            try:
                real[name] = matrix.value("api", name)
            except LookupError:
                real = {}
                break
        strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
        if not is_postgres:
            # Input the schema refuses is refused by the app's schemas before a statement
            # runs: the database behind cannot change the answer, so the PostgreSQL pass
            # leaves it to the SQLite pass (a third of the fuzz's time there).
            strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        if real:
            strategies.append(
                operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real)
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
                calls.append(case.operation.label)
                # A request that changes state may end the login it carries (DELETE
                # /auth/token revokes it): a token of its own; reads share one.
                if case.method.upper() == "GET":
                    headers = reading
                else:
                    headers = {"Authorization": f"Bearer {_token(app, admin_id)}"}
                case.call_and_validate(
                    headers=headers,
                    checks=[not_a_server_error, response_schema_conformance, error_has_message],
                )

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collect all, report all
                failures.append(f"{operation.label}: {_describe(exc)}")
                break
    assert operations > 0 and len(calls) >= operations
    assert not failures, "\n\n".join(failures)
