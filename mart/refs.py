"""What a reference (``ref_type``, ``ref_id``) on a stock movement, a print job or a
ledger line reads as for a person: "Penjualan JKT01-R1-000001", not "sale <uuid>".

Each type has a label here; a package whose ids are not what people read registers a
resolver (``register_resolver(app, "sale", fn)``, ``fn(ids) -> {id: readable}``, one
query for all ids), so inventory's pages can name a sale without importing pos.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l

LABELS = {
    "sale": _l("Sale"),
    "return": _l("Return"),
    "shift": _l("Shift"),
    "goods_receipt": _l("Goods receipt"),
    "receipt": _l("Goods receipt"),
    "stock_count": _l("Stock count"),
    "supplier_return": _l("Return to supplier"),
    "write_off": _l("Write-off"),
    "savings_entry": _l("Simpanan slip"),
    "member_leave": _l("Leaving settlement"),
    "leave": _l("Leaving the cooperative"),
    "shu": _l("SHU"),
    "demo": _l("Demo data"),
}


def register_resolver(app, ref_type, resolver):
    app.extensions.setdefault("mart_ref_resolvers", {})[ref_type] = resolver


def describe_all(pairs) -> dict:
    """``{(ref_type, ref_id): "Penjualan JKT01-R1-000001"}`` for every pair given."""
    pairs = {(t, i) for t, i in pairs if t}
    resolvers = current_app.extensions.get("mart_ref_resolvers", {})
    names = {}
    for ref_type in {t for t, _ in pairs}:
        resolver = resolvers.get(ref_type)
        if resolver is not None:
            ids = [i for t, i in pairs if t == ref_type and i]
            names.update({(ref_type, k): v for k, v in resolver(ids).items()})
    out = {}
    for ref_type, ref_id in pairs:
        label = str(LABELS.get(ref_type, ref_type.replace("_", " ")))
        shown = names.get((ref_type, ref_id), ref_id)
        out[(ref_type, ref_id)] = f"{label} {shown}" if shown else label
    return out
