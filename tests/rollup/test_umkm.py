"""What the movement sees: UMKM suppliers through the marts, the OK OCE stages."""

from datetime import date

from rollup.models import HubStageCount, HubUmkmMonthly, HubUmkmSupplier
from tests.rollup.conftest import make_report, signed_post


def supplier(ref, sales, paid=0, **kw):
    return {"ref": ref, "name": f"UMKM {ref}", "sales": sales, "consignment_paid": paid, **kw}


def test_umkm_by_kecamatan_and_a_newer_revision_counts_once(hub, hub_client, register, hub_api):
    tebet = register("JKT01", kecamatan="Tebet")
    abepura = register("JPR01", kota="Kota Jayapura", kecamatan="Abepura")
    day = date(2026, 11, 3)
    first = make_report(
        "JKT01",
        day,
        umkm_suppliers=[
            supplier("1", 30_000, 10_000, permit=True, member=True),
            supplier("2", 20_000, has_page=True),
        ],
    )
    assert signed_post(hub_client, "JKT01", tebet, first).status_code == 201
    # A newer revision of the same day: supplier 2 sold less, supplier 3 appears.
    newer = make_report(
        "JKT01",
        day,
        revision=2,
        umkm_suppliers=[
            supplier("1", 30_000, 10_000, permit=True, member=True),
            supplier("2", 5_000, has_page=True),
            supplier("3", 1_000),
        ],
    )
    assert signed_post(hub_client, "JKT01", tebet, newer).status_code == 201
    # An older branch, no per-supplier figures: still accepted, counts nothing here.
    assert signed_post(hub_client, "JPR01", abepura, make_report("JPR01", day)).status_code == 201

    api = hub_api()
    body = api.get("/api/v1/association/umkm?from=2026-11-01&to=2026-11-30").json
    assert body["totals"]["suppliers"] == 3
    assert body["totals"]["sales"] == 36_000
    assert body["totals"]["consignment_paid"] == 10_000
    [tebet_row] = body["kecamatan"]
    assert (tebet_row["kota"], tebet_row["kecamatan"]) == ("Jakarta Selatan", "Tebet")
    assert tebet_row["suppliers_with_permit"] == 1 and tebet_row["member_suppliers"] == 1
    assert tebet_row["suppliers_with_page"] == 1 and tebet_row["selling_suppliers"] == 3
    assert tebet_row["umkm_share"] == round(36_000 / 100_000, 4)
    assert tebet_row["stages"]["perizinan"] == {"marts": 1, "movement": None}
    assert body["new_suppliers"] == [{"month": "2026-11-01", "suppliers": 3}]

    only = api.get("/api/v1/association/umkm?from=2026-11-01&to=2026-11-30&kecamatan=Abepura")
    assert only.json["kecamatan"] == [] and only.json["totals"]["sales"] == 0


def test_staff_enter_the_movements_counts(hub, hub_client, register, hub_api):
    key = register("JKT01", kecamatan="Tebet")
    report = make_report("JKT01", date(2026, 11, 3), umkm_suppliers=[supplier("1", 9_000)])
    signed_post(hub_client, "JKT01", key, report)
    api = hub_api()
    r = api.put(
        "/api/v1/association/stages",
        json={"kota": "Jakarta Selatan", "kecamatan": "Tebet", "counts": {"pelatihan": 40}},
    )
    assert r.status_code == 200, r.json
    body = api.get("/api/v1/association/umkm?from=2026-11-01&to=2026-11-30").json
    assert body["kecamatan"][0]["stages"]["pelatihan"] == {"marts": None, "movement": 40}
    assert body["kecamatan"][0]["stages"]["pemasaran"] == {"marts": 1, "movement": None}


def test_bad_stage_counts_422_name_the_field_and_change_nothing(hub_api, rows):
    api = hub_api()
    before = rows(HubStageCount)
    for counts, field in (({"magic": 1}, "counts"), ({"pelatihan": -1}, "counts")):
        r = api.put("/api/v1/association/stages", json={"kecamatan": "Tebet", "counts": counts})
        assert r.status_code == 422 and field in r.json["errors"]["json"]
    r = api.put("/api/v1/association/stages", json={"counts": {"pelatihan": 1}})
    assert r.status_code == 422 and "kecamatan" in r.json["errors"]["json"]
    assert rows(HubStageCount) == before


def test_bad_supplier_rows_422_and_store_nothing(hub_client, register, rows):
    key = register("JKT01")
    before = (rows(HubUmkmMonthly), rows(HubUmkmSupplier))
    for bad in (
        [supplier("1", 1), supplier("1", 2)],  # twice
        [{"name": "no ref", "sales": 1}],
        [supplier("1", "lots")],
    ):
        r = signed_post(
            hub_client, "JKT01", key, make_report("JKT01", "2026-11-03", umkm_suppliers=bad)
        )
        assert r.status_code == 422 and "umkm_suppliers" in r.get_json()["errors"]["json"]
    assert (rows(HubUmkmMonthly), rows(HubUmkmSupplier)) == before
