"""A branch's key never leaves the hub in clear; every table exports as CSV and XLSX.
(Who may read the hub: the access matrix, tests/reliability/test_access_matrix.py.)"""

import io
import json
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from mart.extensions import db
from mart.models import AuditLog
from rollup.models import HubBranch
from tests import factories
from tests.rollup.conftest import make_report, signed_post

PATHS = (
    "/api/v1/association/summary",
    "/api/v1/association/trend",
    "/api/v1/association/branches",
    "/api/v1/association/umkm",
    "/api/v1/association/branch-trend?code=JKT01",
)


def test_the_branch_key_never_leaves_the_hub_in_clear(hub, hub_client, register, hub_api):
    key = register("JKT01")
    signed_post(hub_client, "JKT01", key, make_report("JKT01", date(2026, 11, 3)))
    rotated = hub.test_cli_runner().invoke(args=["rollup", "rotate-key", "JKT01"])
    new_key = rotated.output.strip().splitlines()[-1]
    api = hub_api()
    seen = [api.get(path).text for path in PATHS]
    seen.append(api.get("/api/v1/openapi.json").text)
    listing = hub.test_cli_runner().invoke(args=["rollup", "list-branches"])
    seen.append(listing.output)
    with hub.app_context():
        token = db.session.scalar(sa.select(HubBranch.key_encrypted))
        audit = [
            json.dumps([r.action, r.before, r.after, r.note], default=str)
            for r in db.session.scalars(sa.select(AuditLog))
        ]
    seen += audit
    assert any("rollup.rotate_key" in a for a in audit)
    for text in seen:
        assert key not in text and new_key not in text
        assert token not in text  # not even encrypted
    # Stored only encrypted.
    assert key not in token and new_key not in token


def test_every_table_exports_as_csv_and_xlsx(hub, hub_client, register):
    key = register("JKT01", kecamatan="Tebet")
    report = make_report(
        "JKT01",
        date(2026, 11, 3),
        umkm_suppliers=[{"ref": "1", "name": "Keripik Bu Sri", "sales": 45_000, "permit": True}],
    )
    assert signed_post(hub_client, "JKT01", key, report).status_code == 201
    client = factories.login(hub, "association")
    query = "from=2026-11-01&to=2026-11-30"
    for table in ("branches", "kota", "kecamatan", "trend", "stale", "umkm"):
        csv_response = client.get(f"/association/export/{table}.csv?{query}")
        assert csv_response.status_code == 200, table
        csv_text = csv_response.get_data(as_text=True)
        response = client.get(f"/association/export/{table}.xlsx?{query}")
        assert response.status_code == 200, table
        sheet = load_workbook(io.BytesIO(response.data)).active
        values = list(sheet.iter_rows(values_only=True))
        assert len(values) == len(csv_text.strip().splitlines()), table
    umkm = load_workbook(
        io.BytesIO(client.get(f"/association/export/umkm.xlsx?{query}").data)
    ).active
    header, row = list(umkm.iter_rows(values_only=True))
    assert header[1] == "Kecamatan" and row[1] == "Tebet"
    assert row[header.index("Penjualan UMKM")] == 45_000  # a number, not text
    # a date column holds real dates shown the Indonesian way ("3 Nov 2026")
    branches = load_workbook(
        io.BytesIO(client.get(f"/association/export/branches.xlsx?{query}").data)
    ).active
    header = [c.value for c in branches[1]]
    last = branches.cell(row=2, column=header.index("Laporan terakhir") + 1)
    assert last.value.date() == date(2026, 11, 3)
    assert last.number_format == "[$-421]d mmm yyyy"
    assert client.get(f"/association/export/umkm.pdf?{query}").status_code == 404
    html = client.get(f"/association/?{query}").get_data(as_text=True)
    assert html.count('data-testid="umkm"') == 1
    assert "Tebet" in html.split('data-testid="umkm"')[1]
