"""The hub: registering branches, ingesting signed reports, summaries (in-process)."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from mart.extensions import db
from rollup.hub import today
from rollup.keys import sign
from rollup.models import HubBranch, HubDaily, HubMonthly, HubReport
from tests.rollup.conftest import REPORTS_URL, make_report, signed_post

DAY = date(2026, 3, 14)


def hub_tables(rows):
    return {
        name: rows(model)
        for name, model in (
            ("branches", HubBranch),
            ("reports", HubReport),
            ("monthly", HubMonthly),
            ("daily", HubDaily),
        )
    }


def test_add_branch_prints_key_alone_and_stores_it_encrypted(hub, register):
    key = register("JKT01", kota="Jakarta Selatan", kecamatan="Tebet")
    assert len(key) >= 40 and " " not in key
    with hub.app_context():
        branch = db.session.scalar(sa.select(HubBranch).where(HubBranch.code == "JKT01"))
        assert branch.kota == "Jakarta Selatan" and branch.kecamatan == "Tebet"
        assert key not in branch.key_encrypted  # not stored in the clear


def test_add_branch_duplicate_or_bad_code_refused_and_changes_nothing(hub, register, rows):
    register("JKT01")
    before = rows(HubBranch)
    runner = hub.test_cli_runner()
    result = runner.invoke(args=["rollup", "add-branch", "JKT01", "--name", "Lagi"])
    assert result.exit_code != 0 and "JKT01" in result.output
    result = runner.invoke(args=["rollup", "add-branch", "bad code!", "--name", "X"])
    assert result.exit_code != 0
    assert rows(HubBranch) == before


def test_report_is_stored_and_summed(hub_client, register, hub_api):
    key = register("JKT01")
    response = signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY))
    assert response.status_code == 201, response.json
    assert response.json == {
        "branch_code": "JKT01",
        "date": DAY.isoformat(),
        "revision": 1,
        "outcome": "created",
    }
    summary = hub_api().get(f"/association/summary?from={DAY}&to={DAY}").json
    assert summary["totals"]["sales_net"] == 100_000
    assert summary["totals"]["transactions"] == 4
    [row] = summary["branches"]
    assert row["code"] == "JKT01" and row["sales_net"] == 100_000
    assert row["last_report_date"] == DAY.isoformat()
    assert row["capital_pokok"] == 2_000_000 and row["members_total"] == 20


def test_same_report_again_changes_nothing(hub_client, register, rows):
    key = register("JKT01")
    body = make_report("JKT01", DAY)
    assert signed_post(hub_client, "JKT01", key, body).status_code == 201
    before = hub_tables(rows)
    again = signed_post(hub_client, "JKT01", key, body)
    assert again.status_code == 200 and again.json["outcome"] == "unchanged"
    assert hub_tables(rows) == before


def test_newer_revision_replaces_older(hub, hub_client, register, hub_api):
    key = register("JKT01")
    signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY, revision=1))
    newer = make_report("JKT01", DAY, revision=2, sales_net=90_000, returns=25_000)
    response = signed_post(hub_client, "JKT01", key, newer)
    assert response.status_code == 201 and response.json["outcome"] == "replaced"
    summary = hub_api().get(f"/association/summary?from={DAY}&to={DAY}").json
    assert summary["totals"]["sales_net"] == 90_000
    assert summary["totals"]["returns"] == 25_000
    with hub.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HubReport)) == 1
        assert db.session.scalar(sa.select(HubDaily.sales_net)) == 90_000
        assert db.session.scalar(sa.select(HubMonthly.reports)) == 1


def test_replayed_older_revision_refused_401_and_changes_nothing(hub_client, register, rows):
    key = register("JKT01")
    signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY, revision=3))
    before = hub_tables(rows)
    response = signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY, revision=2))
    assert response.status_code == 401
    assert "revision" in response.json["errors"]["json"]
    assert hub_tables(rows) == before


def test_same_revision_with_other_figures_is_a_conflict(hub_client, register, rows):
    key = register("JKT01")
    signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY))
    before = hub_tables(rows)
    response = signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY, sales_net=1))
    assert response.status_code == 409
    assert hub_tables(rows) == before


def test_tampered_body_refused(hub_client, register, rows):
    key = register("JKT01")
    raw = json.dumps(make_report("JKT01", DAY)).encode()

    signature = sign(raw, key)
    tampered = raw.replace(b'"sales_net": 100000', b'"sales_net": 900000')
    assert tampered != raw
    before = hub_tables(rows)
    response = signed_post(hub_client, "JKT01", key, None, raw=tampered, signature=signature)
    assert response.status_code == 401
    assert hub_tables(rows) == before


def test_wrong_key_missing_signature_unknown_branch_refused(hub_client, register, rows):
    key = register("JKT01")
    other = register("JKT02")
    body = make_report("JKT01", DAY)
    before = hub_tables(rows)
    assert signed_post(hub_client, "JKT01", other, body).status_code == 401
    assert signed_post(hub_client, "JKT01", key, body, signature="").status_code == 401
    assert (
        signed_post(hub_client, "JKT01", key, body, signature="md5=" + "0" * 32).status_code == 401
    )
    assert signed_post(hub_client, "NOPE", key, body).status_code == 401
    assert signed_post(hub_client, "", key, body).status_code == 401
    assert hub_tables(rows) == before


def test_rotated_key_replaces_the_old_one(hub, hub_client, register):
    old = register("JKT01")
    result = hub.test_cli_runner().invoke(args=["rollup", "rotate-key", "JKT01"])
    assert result.exit_code == 0, result.output
    new = result.output.strip().splitlines()[-1]
    assert new != old
    assert signed_post(hub_client, "JKT01", old, make_report("JKT01", DAY)).status_code == 401
    assert signed_post(hub_client, "JKT01", new, make_report("JKT01", DAY)).status_code == 201


def test_keys_survive_secret_key_rotation(app_factory, register, hub_client):
    key = register("JKT01")
    rotated = app_factory(
        MART_MODE="association", SECRET_KEY="a-new-secret", MART_OLD_SECRET_KEYS="test-secret-key"
    )
    result = rotated.test_cli_runner().invoke(args=["rollup", "reencrypt-keys"])
    assert result.exit_code == 0, result.output
    only_new = app_factory(MART_MODE="association", SECRET_KEY="a-new-secret")
    response = signed_post(only_new.test_client(), "JKT01", key, make_report("JKT01", DAY))
    assert response.status_code == 201
    # The old secret alone no longer decrypts the re-encrypted key.
    assert (
        signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY + timedelta(1))).status_code
        == 401
    )


def test_malformed_report_422_names_the_field_and_stores_nothing(hub_client, register, rows):
    key = register("JKT01")
    before = hub_tables(rows)
    cases = [
        ({"sales_net": "100000"}, "sales_net"),
        ({"sales_gross": 1.5}, "sales_gross"),
        ({"transactions": -1}, "transactions"),
        ({"revision": 0}, "revision"),
        ({"date": "2026-02-30"}, "date"),
        ({"capital": {"pokok": 1}}, "capital"),
        ({"sales_net": 10**18}, "sales_net"),
    ]
    for override, field in cases:
        response = signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY, **override))
        assert response.status_code == 422, (override, response.json)
        assert field in response.json["errors"]["json"], (override, response.json)
    body = make_report("JKT01", DAY)
    del body["sales_net"]
    response = signed_post(hub_client, "JKT01", key, body)
    assert response.status_code == 422 and "sales_net" in response.json["errors"]["json"]
    # Signed by JKT01 but claiming to be another branch's report.
    response = signed_post(hub_client, "JKT01", key, make_report("JKT02", DAY))
    assert response.status_code == 422 and "branch_code" in response.json["errors"]["json"]
    # Not JSON at all.
    response = signed_post(hub_client, "JKT01", key, None, raw=b"not json")
    assert response.status_code == 400
    assert hub_tables(rows) == before


def test_hub_endpoints_404_on_a_branch(client, api_as):
    response = client.post(REPORTS_URL, json=make_report("JKT01", DAY))
    assert response.status_code == 404
    assert api_as("association").get("/association/summary").status_code == 404


def test_branch_endpoints_404_on_the_hub(hub_api):
    assert hub_api("manager").get(f"/rollup/daily?date={DAY}").status_code == 404


def test_summary_bad_period_422(hub_api):
    api = hub_api()
    response = api.get("/association/summary?from=2026-05-02&to=2026-05-01")
    assert response.status_code == 422 and "from" in response.json["errors"]["query"]
    response = api.get("/association/summary?from=kemarin")
    assert response.status_code == 422 and "from" in response.json["errors"]["query"]


def test_summary_lists_silent_branches_as_stale(hub, hub_client, register, hub_api):
    key = register("JKT01")
    register("JKT02")
    with hub.app_context():
        yesterday = today() - timedelta(days=1)
    signed_post(hub_client, "JKT01", key, make_report("JKT01", yesterday))
    summary = hub_api().get(f"/association/summary?from={yesterday}&to={yesterday}").json
    rows = {r["code"]: r for r in summary["branches"]}
    assert rows["JKT01"]["stale"] is False and rows["JKT01"]["days_since_report"] == 1
    assert rows["JKT02"]["stale"] is True and rows["JKT02"]["last_report_date"] is None
    assert summary["totals"]["branches"] == 2 and summary["totals"]["branches_reporting"] == 1
    assert summary["totals"]["stale_branches"] == 1


def test_point_figures_come_from_the_last_report_of_the_period(hub_client, register, hub_api):
    key = register("JKT01")
    signed_post(hub_client, "JKT01", key, make_report("JKT01", DAY, members_total=20))
    signed_post(
        hub_client, "JKT01", key, make_report("JKT01", DAY + timedelta(1), members_total=23)
    )
    api = hub_api()
    both = api.get(f"/association/summary?from={DAY}&to={DAY + timedelta(1)}").json
    assert both["totals"]["members_total"] == 23
    assert both["totals"]["sales_net"] == 200_000
    first = api.get(f"/association/summary?from={DAY}&to={DAY}").json
    assert first["totals"]["members_total"] == 20


def test_trend_by_day_week_month(hub_client, register, hub_api):
    key = register("JKT01")
    start = date(2026, 1, 26)  # a Monday
    for offset in range(10):  # 26 Jan .. 4 Feb
        signed_post(hub_client, "JKT01", key, make_report("JKT01", start + timedelta(offset)))
    api = hub_api()
    period = f"from={start}&to={start + timedelta(9)}"
    days = api.get(f"/association/trend?{period}&by=day").json
    assert days["total"] == 10 and all(p["sales_net"] == 100_000 for p in days["items"])
    weeks = api.get(f"/association/trend?{period}&by=week").json["items"]
    assert [(w["period"], w["sales_net"]) for w in weeks] == [
        ("2026-01-26", 700_000),
        ("2026-02-02", 300_000),
    ]
    months = api.get(f"/association/trend?{period}&by=month").json["items"]
    assert [(m["period"], m["reports"]) for m in months] == [("2026-01-01", 6), ("2026-02-01", 4)]
    assert api.get(f"/association/trend?{period}&by=year").status_code == 422


def test_branches_list_is_paged(hub_api, register):
    for n in range(3):
        register(f"B{n}")
    page = hub_api().get("/association/branches?per_page=2").json
    assert page["total"] == 3 and [b["code"] for b in page["items"]] == ["B0", "B1"]


def test_the_same_report_sent_at_once_from_many_threads_counts_once(hub, register, rows):
    """Over real sockets, on SQLite and PostgreSQL: every answer is a success, one row."""
    key = register("JKT01")
    server = make_server("127.0.0.1", 0, hub, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    raw = json.dumps(make_report("JKT01", DAY, revision=2)).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Mart-Branch": "JKT01",
        "X-Mart-Signature": sign(raw, key),
    }
    barrier = threading.Barrier(6)

    def post(_):
        barrier.wait()
        url = f"http://127.0.0.1:{server.server_port}{REPORTS_URL}"
        return requests.post(url, data=raw, headers=headers, timeout=30).status_code

    try:
        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(post, range(6)))
    finally:
        server.shutdown()
        thread.join()
    assert sorted(statuses) == [200] * 5 + [201]
    assert rows(HubReport) == 1 and rows(HubDaily) == 1
    with hub.app_context():
        assert db.session.scalar(sa.select(HubDaily.reports)) == 1
        assert db.session.scalar(sa.select(HubDaily.sales_net)) == 100_000
