"""Settings (config.py): read from the environment when an app is made, MART_MODE
checked, docs/SETTINGS.md in step with the declarations."""

import pytest

import config
from mart import create_app
from tests.conftest import ROOT


def test_settings_are_read_when_the_app_is_made(monkeypatch, app_factory):
    monkeypatch.setenv("MART_ROLLUP_STALE_DAYS", "5")
    monkeypatch.setenv("MART_BACKUP_KEEP", "3")
    app = app_factory()
    assert app.config["MART_ROLLUP_STALE_DAYS"] == 5.0
    assert app.config["MART_BACKUP_KEEP"] == 3


def test_an_unknown_mode_stops_the_app_naming_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MART_MODE", "hub")
    with pytest.raises(config.ConfigError, match="MART_MODE='hub'"):
        create_app({"TESTING": True, "MART_INSTANCE_PATH": str(tmp_path)})


def test_a_number_that_does_not_parse_names_its_variable(monkeypatch):
    monkeypatch.setenv("MART_BACKUP_KEEP", "lots")
    with pytest.raises(config.ConfigError, match="MART_BACKUP_KEEP='lots'"):
        config.settings()


def test_the_settings_table_is_the_declared_one():
    assert config.markdown_table() in (ROOT / "docs" / "SETTINGS.md").read_text()
