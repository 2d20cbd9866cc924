"""Catalogue import and export as CSV.

Import creates or updates products by ``sku``, all or nothing: every row is checked
first and any bad row is reported by its line number (the header is line 1) and
column, and nothing is written. The writes are bulk statements (one INSERT ... RETURNING
and one executemany UPDATE), so 50,000 rows take seconds, not minutes.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from inventory import barcodes as bc
from inventory import labels
from inventory.models import TAX_CLASSES, UNITS, Barcode, Category, Product, Supplier
from mart import audit, csvsafe
from mart.db import QUANTUM, utcnow
from mart.extensions import db
from mart.fields import MAX_MONEY, MAX_QUANTITY

REQUIRED = ("sku", "name", "barcode", "price")
OPTIONAL = (
    "unit",
    "member_price",
    "tax",
    "category",
    "reorder_point",
    "supplier_id",
    "supplier_price",
    "active",
)
# Exported for reading, ignored on import (stock moves only through the ledger).
IGNORED = ("on_hand", "avg_cost")
EXPORT_COLUMNS = (
    "sku",
    "name",
    "barcode",
    "price",
    "unit",
    "member_price",
    "tax",
    "category",
    "reorder_point",
    "supplier_id",
    "supplier_price",
    "active",
    "on_hand",
    "avg_cost",
)
MAX_ERRORS = 100
# The export downloaded from the page heads its columns in Bahasa Indonesia; the import
# reads those headers as well as the keys above (so a downloaded file imports back).
INDONESIAN_HEADERS = {
    "sku": "Kode",
    "name": "Nama",
    "barcode": "Barcode",
    "price": "Harga",
    "unit": "Satuan",
    "member_price": "Harga anggota",
    "tax": "Pajak",
    "category": "Kategori",
    "reorder_point": "Titik pesan ulang",
    "supplier_id": "ID pemasok",
    "supplier_price": "Harga pemasok",
    "active": "Aktif",
    "on_hand": "Stok",
    "avg_cost": "HPP rata-rata",
}
_HEADER_KEYS = {label.lower(): key for key, label in INDONESIAN_HEADERS.items()} | {
    key: key for key in INDONESIAN_HEADERS
}


def _column_key(name: str) -> str:
    """A header cell as its column key: ``price`` stays, ``Harga`` and ``Price`` become
    ``price`` (a header is read in any case)."""
    name = name.strip()
    return _HEADER_KEYS.get(name.lower(), name)


# The row errors in the user's language on the import page (the CLI prints English).
MESSAGES = {
    "at most 80 characters": _l("at most 80 characters"),
    "belongs to another product": _l("belongs to another product"),
    "is another product's sku": _l("is another product's sku"),
    "missing column": _l("missing column"),
    "more fields than columns": _l(
        "more fields than columns (a comma inside a price or name? Quote it, or save the"
        " file with ; between columns)"
    ),
    "must be 0 or more, at most 3 decimals": _l("must be 0 or more, at most 3 decimals"),
    "must be 1 or 0": _l("must be 1 or 0"),
    "must be pcs or kg": _l("must be pcs or kg"),
    "must be ppn or exempt": _l("must be ppn or exempt"),
    "not EAN-13/EAN-8/UPC-A (check digit)": _l("not EAN-13/EAN-8/UPC-A (check digit)"),
    "not a number": _l("not a number"),
    "not a whole number of rupiah": _l(
        "not a whole number of rupiah: write 12500, 12.500 or 12.500,00"
    ),
    "required, at most 200 characters": _l("required, at most 200 characters"),
    "required, at most 64 characters": _l("required, at most 64 characters"),
    "unknown column": _l("unknown column"),
    "unknown supplier": _l("unknown supplier"),
}


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self):
        return f"line {self.line}, column {self.column}: {self.message}"

    @property
    def text(self) -> str:
        """The message in the user's language."""
        return str(MESSAGES.get(self.message, self.message))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


class ImportFailed(Exception):
    def __init__(self, errors):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


# Rupiah as Excel in an Indonesian locale writes them: 12500, 12.500, 12.500,00, Rp 12.500.
_RUPIAH = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+)(,0{1,2})?$")


def _int(value, line, column, errors, minimum=0):
    text = re.sub(r"^rp\.?", "", value.strip().replace("_", ""), flags=re.IGNORECASE).strip()
    text = text.replace(" ", "")
    if _RUPIAH.match(text):
        text = text.split(",")[0].replace(".", "")
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 20:
        errors.append(RowError(line, column, "not a whole number of rupiah"))
        return None
    number = int(text)
    if number < minimum:
        errors.append(RowError(line, column, f"must be {minimum} or more"))
        return None
    if number > MAX_MONEY:
        errors.append(RowError(line, column, f"must be at most {MAX_MONEY}"))
        return None
    return number


def _qty(value, line, column, errors):
    try:
        if not value.strip().isascii():
            raise InvalidOperation
        number = Decimal(value.strip())
    except InvalidOperation:
        errors.append(RowError(line, column, "not a number"))
        return None
    if (
        not number.is_finite()
        or number < 0
        or number > MAX_QUANTITY
        or number != number.quantize(QUANTUM)
    ):
        errors.append(RowError(line, column, "must be 0 or more, at most 3 decimals"))
        return None
    return number


def _readable(reader, errors):
    """The reader's rows; a row the csv module cannot read (a field over its 128 kB
    limit, say) ends the parse as an error of that line instead of a crash."""
    try:
        yield from reader
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "-", f"not readable as CSV: {exc}"))


def _delimiter(text: str) -> str:
    """Excel in an Indonesian locale separates columns with ";" (its decimal comma is
    taken): the header line says which one the file uses."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _header_error(header) -> RowError | None:
    """A missing required column, else an unknown one, as the error of line 1."""
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return RowError(1, ",".join(missing), "missing column")
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL + IGNORED]
    if unknown:
        return RowError(1, ",".join(unknown), "unknown column")
    return None


def parse(text: str):
    """Check every row; returns ``(rows, errors)``; rows are dicts ready to write."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    header = [_column_key(h) for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    errors = []
    header_error = _header_error(header)
    if header_error:
        return [], [header_error]
    supplier_ids = None
    if "supplier_id" in header:
        supplier_ids = set(db.session.scalars(sa.select(Supplier.id)).all())
    rows = []
    seen_sku, seen_code = {}, {}
    for index, raw in enumerate(_readable(reader, errors)):
        line = index + 2
        if len(errors) >= MAX_ERRORS:
            break
        if None in raw:
            errors.append(RowError(line, "-", "more fields than columns"))
            continue
        get = {
            k: csvsafe.unescape_cell((v or "").strip()) for k, v in raw.items() if k not in IGNORED
        }
        if not any(get.values()):
            continue
        row = {"line": line}
        _check_keys(get, line, row, seen_sku, seen_code, errors)
        _check_prices(get, line, row, header, errors)
        _check_choices(get, line, row, header, errors)
        _check_supplier(get, line, row, header, supplier_ids, errors)
        _check_active(get, line, row, header, errors)
        rows.append(row)
    return rows, errors


def _check_keys(get, line, row, seen_sku, seen_code, errors):
    """The row's sku, name and barcode (sku and barcode once in the file)."""
    sku = get["sku"]
    if not sku or len(sku) > 64:
        errors.append(RowError(line, "sku", "required, at most 64 characters"))
    elif sku in seen_sku:
        errors.append(RowError(line, "sku", f"same sku as line {seen_sku[sku]}"))
    seen_sku.setdefault(sku, line)
    row["sku"] = sku
    name = get["name"]
    if not name or len(name) > 200:
        errors.append(RowError(line, "name", "required, at most 200 characters"))
    row["name"] = name
    code = get["barcode"]
    if code:
        if not bc.is_valid(code):
            errors.append(RowError(line, "barcode", "not EAN-13/EAN-8/UPC-A (check digit)"))
        elif code in seen_code:
            errors.append(RowError(line, "barcode", f"same barcode as line {seen_code[code]}"))
        seen_code.setdefault(code, line)
    row["barcode"] = code or None


def _check_prices(get, line, row, header, errors):
    """The price, and the member and supplier prices when their columns are there."""
    row["price"] = _int(get["price"], line, "price", errors)
    if get.get("member_price"):
        row["member_price"] = _int(get["member_price"], line, "member_price", errors)
    elif "member_price" in header:
        row["member_price"] = None
    if get.get("supplier_price"):
        row["supplier_price"] = _int(get["supplier_price"], line, "supplier_price", errors)
    elif "supplier_price" in header:
        row["supplier_price"] = None


def _check_choices(get, line, row, header, errors):
    """Unit, tax, category and reorder point, each when its column is there."""
    if "unit" in header:
        unit = get["unit"] or "pcs"
        if unit not in UNITS:
            errors.append(RowError(line, "unit", "must be pcs or kg"))
        row["unit"] = unit
    if "tax" in header:
        tax = get["tax"] or "ppn"
        if tax not in TAX_CLASSES:
            errors.append(RowError(line, "tax", "must be ppn or exempt"))
        row["tax"] = tax
    if "category" in header:
        if len(get["category"]) > 80:
            errors.append(RowError(line, "category", "at most 80 characters"))
        row["category"] = get["category"] or None
    if "reorder_point" in header:
        row["reorder_point"] = (
            _qty(get["reorder_point"], line, "reorder_point", errors)
            if get["reorder_point"]
            else Decimal(0)
        )


def _check_supplier(get, line, row, header, supplier_ids, errors):
    """The supplier id (a known supplier), when its column is there."""
    if "supplier_id" in header:
        if get["supplier_id"]:
            sid = _int(get["supplier_id"], line, "supplier_id", errors, minimum=1)
            if sid is not None and sid not in supplier_ids:
                errors.append(RowError(line, "supplier_id", "unknown supplier"))
            row["supplier_id"] = sid
        else:
            row["supplier_id"] = None


def _check_active(get, line, row, header, errors):
    """The active flag (1/0, true/false, yes/no, ya/tidak), when its column is there."""
    if "active" in header:
        flag = get["active"].lower() or "1"
        if flag not in ("1", "0", "true", "false", "yes", "no", "ya", "tidak"):
            errors.append(RowError(line, "active", "must be 1 or 0"))
        row["active"] = flag in ("1", "true", "yes", "ya")


def import_products(text: str, user=None) -> ImportResult:
    """Create or update products from CSV ``text`` (the caller commits).

    Raises ``ImportFailed`` with every bad row (line and column); nothing is written.
    """
    rows, errors = parse(text)
    if errors:
        raise ImportFailed(errors)
    existing, codes_of, owner_of = _catalogue_keys()
    errors = _barcode_clashes(rows, existing, owner_of)
    if errors:
        raise ImportFailed(errors)
    category_ids = _categories({r["category"] for r in rows if r.get("category")})
    inserts, updates = _plan(rows, existing, codes_of, category_ids, utcnow())
    new_codes = _insert_products(inserts)
    labels.record_import(updates, user=user)  # price history and label queue
    new_codes += _update_products(updates)
    if new_codes:
        db.session.execute(sa.insert(Barcode.__table__), new_codes)
    audit.record(
        "product.import",
        "Product",
        after={"created": len(inserts), "updated": len(updates)},
        user=user,
    )
    db.session.expire_all()
    return ImportResult(created=len(inserts), updated=len(updates))


def _catalogue_keys():
    """``(existing, codes_of, owner_of)``: product id by sku, a product's barcodes by
    its id, and the product id owning each barcode."""
    pt = Product.__table__
    bt = Barcode.__table__
    existing = dict(db.session.execute(sa.select(pt.c.sku, pt.c.id)).all())
    codes_of = {}
    owner_of = {}
    for code, pid in db.session.execute(sa.select(bt.c.code, bt.c.product_id)).all():
        owner_of[code] = pid
        codes_of.setdefault(pid, []).append(code)
    return existing, codes_of, owner_of


def _barcode_clashes(rows, existing, owner_of) -> list[RowError]:
    """The rows whose barcode is another product's barcode or sku."""
    errors = []
    for row in rows:
        code = row["barcode"]
        pid = existing.get(row["sku"])
        if code and code in owner_of and owner_of[code] != pid:
            errors.append(RowError(row["line"], "barcode", "belongs to another product"))
        elif code and code in existing and existing[code] != pid:
            errors.append(RowError(row["line"], "barcode", "is another product's sku"))
    return errors


def _plan(rows, existing, codes_of, category_ids, now):
    """The rows as column values: ``inserts`` (new skus) and ``updates`` (known skus,
    ``_id`` set), each as ``(values, barcode to add or None)``."""
    inserts, updates = [], []
    for row in rows:
        values = {k: v for k, v in row.items() if k not in ("line", "barcode", "category")}
        if "category" in row:
            values["category_id"] = category_ids.get(row["category"])
        pid = existing.get(row["sku"])
        codes = list(codes_of.get(pid, [])) if pid else []
        if row["barcode"] and row["barcode"] not in codes:
            codes.append(row["barcode"])
        values["search_text"] = bc.search_text(row["name"], row["sku"], codes)
        values["updated_at"] = now
        if pid is None:
            inserts.append((_new_product_values(values, now), row["barcode"]))
        else:
            values["_id"] = pid
            updates.append(
                (values, row["barcode"] if row["barcode"] not in codes_of.get(pid, []) else None)
            )
    return inserts, updates


def _new_product_values(values, now):
    """``values`` with a new product's defaults for the columns the file left out."""
    values.setdefault("unit", "pcs")
    values.setdefault("tax", "ppn")
    values.setdefault("active", True)
    values.setdefault("reorder_point", Decimal(0))
    values.setdefault("member_price", None)
    values.setdefault("supplier_id", None)
    values.setdefault("category_id", None)
    values.setdefault("supplier_price", None)
    values.update(on_hand=Decimal(0), avg_cost=0, tracks_expiry=False, created_at=now)
    return values


def _insert_products(inserts) -> list[dict]:
    """Insert the new products; returns their barcode rows to insert."""
    new_codes = []
    if not inserts:
        return new_codes
    pt = Product.__table__
    keys = sorted({k for v, _ in inserts for k in v})
    params = [{k: v.get(k) for k in keys} for v, _ in inserts]
    db.session.execute(sa.insert(pt), params)
    # Plain executemany (no RETURNING: on PostgreSQL that would go row by row);
    # the new ids are read back by sku.
    new_skus = [v["sku"] for v, _ in inserts]
    ids = {}
    for start in range(0, len(new_skus), 5000):
        chunk = new_skus[start : start + 5000]
        ids.update(
            db.session.execute(sa.select(pt.c.sku, pt.c.id).where(pt.c.sku.in_(chunk))).all()
        )
    for values, code in inserts:
        if code:
            new_codes.append({"code": code, "product_id": ids[values["sku"]]})
    return new_codes


def _update_products(updates) -> list[dict]:
    """Update the known products; returns their new barcode rows to insert."""
    pt = Product.__table__
    new_codes = []
    # Group updates by the set of columns they change (executemany needs one shape).
    shapes = {}
    for values, code in updates:
        shapes.setdefault(tuple(sorted(values)), []).append(values)
        if code:
            new_codes.append({"code": code, "product_id": values["_id"]})
    for keys, params in shapes.items():
        stmt = (
            sa.update(pt)
            .where(pt.c.id == sa.bindparam("_id"))
            .values({k: sa.bindparam(k) for k in keys if k != "_id"})
        )
        db.session.connection().execute(stmt, params)
    return new_codes


def _categories(names):
    if not names:
        return {}
    have = dict(
        db.session.execute(
            sa.select(Category.name, Category.id).where(Category.name.in_(names))
        ).all()
    )
    missing = [{"name": n} for n in sorted(names) if n not in have]
    if missing:
        db.session.execute(sa.insert(Category.__table__), missing)
        have = dict(
            db.session.execute(
                sa.select(Category.name, Category.id).where(Category.name.in_(names))
            ).all()
        )
    return have


def export_products(out, supplier_id=None, indonesian=False):
    """Write the catalogue as CSV to the text stream ``out`` (importable again); with
    ``indonesian`` the header row is in Bahasa Indonesia (the page's download)."""
    pt = Product.__table__
    ct = Category.__table__
    bt = Barcode.__table__
    first_code = (
        sa.select(bt.c.code)
        .where(bt.c.product_id == pt.c.id)
        .order_by(bt.c.id)
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            pt.c.sku,
            pt.c.name,
            first_code,
            pt.c.price,
            pt.c.unit,
            pt.c.member_price,
            pt.c.tax,
            ct.c.name,
            pt.c.reorder_point,
            pt.c.supplier_id,
            pt.c.supplier_price,
            pt.c.active,
            pt.c.on_hand,
            pt.c.avg_cost,
        )
        .select_from(pt.outerjoin(ct, ct.c.id == pt.c.category_id))
        .order_by(pt.c.sku)
    )
    if supplier_id is not None:
        stmt = stmt.where(pt.c.supplier_id == supplier_id)
    writer = csvsafe.writer(out)
    writer.writerow(
        [INDONESIAN_HEADERS[c] for c in EXPORT_COLUMNS] if indonesian else EXPORT_COLUMNS
    )
    for row in db.session.execute(stmt):
        values = list(row)
        values[11] = 1 if values[11] else 0
        writer.writerow(["" if v is None else _text(v) for v in values])


def _text(value):
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value.normalize())
    return str(value)
