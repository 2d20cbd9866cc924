"""CSV import: create or update by sku, all or nothing, bad rows by line and column."""

from decimal import Decimal

import sqlalchemy as sa

from inventory import importer, services
from inventory.models import Barcode, Product
from mart.extensions import db
from tests.factories import ean13


def _write(tmp_path, text, name="p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_creates_then_updates(app, runner, tmp_path, make_supplier):
    sup = make_supplier()
    text = (
        "sku,name,barcode,price,unit,member_price,tax,category,reorder_point,supplier_id\n"
        f"A1,Beras Pandan Wangi 5kg,{ean13(11)},72000,pcs,70000,exempt,Sembako,5,{sup}\n"
        f"A2,Gula Pasir Curah,,16000,kg,,ppn,Sembako,2.5,\n"
    )
    r = runner.invoke(args=["inventory", "import-products", _write(tmp_path, text)])
    assert r.exit_code == 0, r.output
    assert "2 new" in r.output
    with app.app_context():
        p = services.lookup_code(ean13(11)).product
        assert (p.price, p.member_price, p.tax, p.category.name) == (
            72000,
            70000,
            "exempt",
            "Sembako",
        )
        assert p.supplier_id == sup and p.reorder_point == Decimal("5.000")
        gula = db.session.scalar(sa.select(Product).where(Product.sku == "A2"))
        assert gula.unit == "kg" and gula.reorder_point == Decimal("2.500") and gula.barcodes == []
        assert [x.name for x in services.search_products("pandan beras")] == [p.name]
    text2 = f"sku,name,barcode,price\nA2,Gula Pasir Lokal,{ean13(12)},17000\nA3,Garam,,3000\n"
    r = runner.invoke(args=["inventory", "import-products", _write(tmp_path, text2, "b.csv")])
    assert r.exit_code == 0, r.output
    assert "1 new and 1 updated" in r.output
    with app.app_context():
        gula = db.session.scalar(sa.select(Product).where(Product.sku == "A2"))
        assert gula.name == "Gula Pasir Lokal" and gula.price == 17000 and gula.unit == "kg"
        assert [b.code for b in gula.barcodes] == [ean13(12)]
        assert services.search_products("lokal")[0].sku == "A2"


def test_bad_rows_reported_and_nothing_written(app, runner, tmp_path, rows):
    wrong = ean13(13)[:-1] + str((int(ean13(13)[-1]) + 1) % 10)
    text = (
        "sku,name,barcode,price,unit\n"
        "B1,Baik,,1000,pcs\n"
        f"B2,Salah barcode,{wrong},1000,pcs\n"
        "B3,Salah harga,,seribu,pcs\n"
        "B4,Salah unit,,1000,dus\n"
        "B1,Ganda,,1000,pcs\n"
    )
    before = rows.snapshot()
    r = runner.invoke(args=["inventory", "import-products", _write(tmp_path, text)])
    assert r.exit_code == 1
    assert "line 3, column barcode" in r.output
    assert "line 4, column price" in r.output
    assert "line 5, column unit" in r.output
    assert "line 6, column sku" in r.output
    assert rows.snapshot() == before


def test_missing_column_and_taken_barcode(app, runner, tmp_path, make_product, rows):
    make_product(sku="X1", barcode=ean13(14))
    before = rows.snapshot()
    r = runner.invoke(args=["inventory", "import-products", _write(tmp_path, "sku,name\nA,b\n")])
    assert r.exit_code == 1 and "line 1, column barcode,price: missing column" in r.output
    text = f"sku,name,barcode,price\nX2,Lain,{ean13(14)},500\n"
    r = runner.invoke(args=["inventory", "import-products", _write(tmp_path, text, "c.csv")])
    assert r.exit_code == 1 and "line 2, column barcode" in r.output
    assert rows.snapshot() == before


def test_export_reimports(app, runner, tmp_path, make_product):
    make_product(sku="E1", name="Teh Celup", price=6000, barcode=ean13(15), category="Minuman")
    out = tmp_path / "out.csv"
    r = runner.invoke(args=["inventory", "export-products", str(out)])
    assert r.exit_code == 0, r.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("sku,name,barcode,price")
    assert lines[1].startswith(f"E1,Teh Celup,{ean13(15)},6000,pcs")
    r = runner.invoke(args=["inventory", "import-products", str(out)])
    assert r.exit_code == 0 and "1 updated" in r.output, r.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Barcode)) == 1


def test_page_export_in_indonesian_imports_back(app, login_as, make_product):
    """The page's download heads its columns in Bahasa Indonesia ("Kode", "Nama",
    "Harga"...); the import reads those headers as well as the keys, so an exported,
    edited file imports back."""
    make_product(sku="E1", name="Teh Celup", price=6000, barcode=ean13(15), category="Minuman")
    sheet = login_as("manager").get("/inventory/products/export.csv").get_data(as_text=True)
    header, first = sheet.splitlines()[:2]
    assert header.split(",")[:4] == ["Kode", "Nama", "Barcode", "Harga"]
    assert "Stok" in header.split(",") and "sku" not in header
    edited = sheet.replace(f"E1,Teh Celup,{ean13(15)},6000,", f"E1,Teh Celup,{ean13(15)},6500,")
    assert edited != sheet, first
    with app.app_context():
        result = importer.import_products(edited)
        db.session.commit()
        assert (result.created, result.updated) == (0, 1)
        product = db.session.scalars(sa.select(Product).where(Product.sku == "E1")).one()
        assert product.price == 6500 and product.name == "Teh Celup"
        # the keys still work, in any case, and an unknown header is still refused
        rows, errors = importer.parse(f"SKU,Name,Barcode,Price\nE2,Kopi,{ean13(16)},500\n")
        assert errors == [] and rows[0]["sku"] == "E2" and rows[0]["price"] == 500
        rows, errors = importer.parse(f"Kode,Nama,Barcode,Harga,Warna\nE2,Kopi,{ean13(16)},5\n")
        assert rows == [] and errors[0].column == "Warna"
