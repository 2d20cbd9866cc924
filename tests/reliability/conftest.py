"""A branch seeded once per module with ``flask mart seed-demo`` (the demo data is big,
so the walks over every route share one seed; the tables are emptied afterwards)."""

import pytest

from mart import create_app
from tests.conftest import dispose_when_idle, make_config, truncate_all
from tests.reliability.matrix import Matrix


@pytest.fixture(scope="module")
def seeded_branch(_schema, database_url, instance_path):
    """``(branch_app, hub_app, matrix)`` over one seeded database. Tests using it must
    not also use the function-scoped ``app`` fixture (its teardown empties the tables)."""
    branch = create_app(make_config(database_url, instance_path, MART_MODE="branch"))
    hub = create_app(make_config(database_url, instance_path, MART_MODE="association"))
    result = branch.test_cli_runner().invoke(args=["mart", "seed-demo"])
    assert result.exit_code == 0, result.output
    matrix = Matrix(branch)
    yield branch, hub, matrix
    for made in (branch, hub):
        dispose_when_idle(made)
    truncate_all(create_app(make_config(database_url, instance_path)))
