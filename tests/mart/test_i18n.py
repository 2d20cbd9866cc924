"""Every text of every page has its Bahasa Indonesia translation."""

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import i18n


@pytest.mark.parametrize("package", i18n.PACKAGES)
def test_every_message_translated_to_indonesian(package):
    assert i18n.missing_in(package) == []
