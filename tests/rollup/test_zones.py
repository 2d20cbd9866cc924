"""Each branch's business day and silence follow its own time zone (WIB, WITA, WIT)."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from mart.extensions import db
from rollup import branch as branch_side
from rollup import hub as hub_service
from rollup.models import HubBranch
from tests import factories
from tests.rollup.conftest import make_report, signed_post

# 15:30 UTC: 22:30 in Jakarta and 23:30 in Makassar (still 20 November), but 00:30 on
# 21 November in Jayapura, whose 20 November has closed.
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_add_branch_takes_its_time_zone(hub, register):
    register("JPR01", kota="Kota Jayapura", kecamatan="Abepura", timezone="Asia/Jayapura")
    register("JKT01")
    with hub.app_context():
        zones = dict(db.session.execute(sa.select(HubBranch.code, HubBranch.timezone)).all())
    assert zones == {"JPR01": "Asia/Jayapura", "JKT01": "Asia/Jakarta"}


def test_add_branch_outside_indonesias_zones_refused_and_changes_nothing(hub, rows):
    before = rows(HubBranch)
    result = hub.test_cli_runner().invoke(
        args=["rollup", "add-branch", "SG01", "--name", "Singapura", "--timezone", "Asia/Singapore"]
    )
    assert result.exit_code != 0
    assert "Asia/Jakarta" in result.output  # names the zones it takes
    assert rows(HubBranch) == before
    with hub.app_context():
        try:
            hub_service.add_branch("SG01", "Singapura", timezone="Europe/Paris")
        except hub_service.InvalidInput as error:
            assert "timezone" in error.errors["json"]
        else:
            raise AssertionError("accepted a zone outside Indonesia")
        db.session.rollback()
    assert rows(HubBranch) == before


def test_business_day_and_silence_follow_each_branchs_zone(
    hub, hub_client, register, hub_api, monkeypatch
):
    monkeypatch.setattr(hub_service, "utcnow", lambda: NOW)
    for code, zone in (("JKT01", None), ("MKS01", "Asia/Makassar"), ("JPR01", "Asia/Jayapura")):
        key = register(code, timezone=zone)
        assert (
            signed_post(hub_client, code, key, make_report(code, date(2026, 11, 19))).status_code
            == 201
        )
    api = hub_api()
    body = api.get("/api/v1/association/summary?from=2026-11-01&to=2026-11-21&stale_days=1").json
    rows = {r["code"]: r for r in body["branches"]}
    assert {c: r["timezone"] for c, r in rows.items()} == {
        "JKT01": "Asia/Jakarta",
        "MKS01": "Asia/Makassar",
        "JPR01": "Asia/Jayapura",
    }
    assert rows["JKT01"]["business_day"] == "2026-11-20"
    assert rows["MKS01"]["business_day"] == "2026-11-20"
    assert rows["JPR01"]["business_day"] == "2026-11-21"
    # Reported yesterday in its own zone: not silent. Jayapura's 20 November is over
    # and was not reported: one silent day.
    assert rows["JKT01"]["days_silent"] == 0 and rows["MKS01"]["days_silent"] == 0
    assert rows["JPR01"]["days_silent"] == 1
    assert [c for c, r in rows.items() if r["stale"]] == ["JPR01"]
    assert rows["JPR01"]["figures_as_of"] == "2026-11-19"


def test_dashboard_says_which_day_each_figure_is(hub, hub_client, register, monkeypatch):
    monkeypatch.setattr(hub_service, "utcnow", lambda: NOW)
    key = register("JPR01", timezone="Asia/Jayapura")
    signed_post(hub_client, "JPR01", key, make_report("JPR01", date(2026, 11, 19)))
    client = factories.login(hub, "association", username="asosiasi")
    html = client.get("/association/?from=2026-11-01&to=2026-11-20").get_data(as_text=True)
    which = html.split('data-testid="which-days"')[1].split("</p>")[0]
    assert "1 Nov 2026" in which and "20 Nov 2026" in which
    assert "WIB 20 Nov 2026" in which and "WIT 21 Nov 2026" in which
    row = html.split('data-code="JPR01"')[1].split("</tr>")[0]
    assert "WIT" in row and "21 Nov 2026" in row and "19 Nov 2026" in row


def test_a_branchs_mart_timezone_sets_its_business_day(app_factory):
    """The branch side: MART_TIMEZONE=Asia/Jayapura makes 20 November run from
    15:00 UTC on the 19th."""
    app = app_factory(MART_TIMEZONE="Asia/Jayapura", MART_DAY_END_HOUR=0)
    with app.app_context():
        start, end = branch_side.day_bounds(date(2026, 11, 20))
        assert start == datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
        assert end == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
        assert branch_side.business_date(NOW) == date(2026, 11, 21)
        assert branch_side.last_closed_day(NOW) == date(2026, 11, 20)
