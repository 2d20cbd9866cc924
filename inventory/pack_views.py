"""Manager page: a product's packs (satuan) and quantity prices (harga grosir), issue
15. One plain form (CSRF token): a row per pack and per tier, the present ones and a
few blank rows; a blank row is left out. Routes on the ``inventory`` blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from inventory import services
from inventory.services import packs
from inventory.views import bp
from mart.auth import roles_required
from mart.errors import DomainError
from mart.extensions import db

BLANK_ROWS = 3


def _int(text):
    text = (text or "").strip().replace(".", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the service refuses it, naming the field


def _rows(prefix, names):
    """The form's rows ``prefix-<name>`` as ``(position, dict)``, blank rows left out."""
    columns = {name: request.form.getlist(f"{prefix}-{name}") for name in names}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {name: (values[i] if i < len(values) else "") for name, values in columns.items()}
        if any(str(v).strip() for v in row.values()):
            rows.append((i, row))
    return rows


def form_data() -> dict:
    """``{packs, tiers}`` as the product API takes them, from the posted form."""
    pack_rows = _rows("pack", ("name", "factor", "barcode", "price", "member_price", "cost"))
    tier_rows = _rows("tier", ("min_quantity", "price"))
    members = set(request.form.getlist("tier-members"))
    return {
        "packs": [
            {
                "name": r["name"],
                "factor": _int(r["factor"]),
                "barcode": r["barcode"].strip() or None,
                "price": _int(r["price"]),
                "member_price": _int(r["member_price"]),
                "cost": _int(r["cost"]),
            }
            for _i, r in pack_rows
        ],
        "tiers": [
            {
                "min_quantity": r["min_quantity"].strip().replace(",", "."),
                "price": _int(r["price"]),
                "members_only": str(i) in members,
            }
            for i, r in tier_rows
        ],
    }


@bp.route("/products/<int:product_id>/packs", methods=["GET", "POST"])
@roles_required("manager")
def product_packs(product_id):
    product = services.get_product(product_id)
    if request.method == "POST":
        try:
            services.update_product(product_id, form_data())
            db.session.commit()
            flash(_("Packs and quantity prices saved."), "success")
            return redirect(url_for("inventory.product_detail", product_id=product_id))
        except DomainError as exc:
            db.session.rollback()
            flash(_("Not saved: %(why)s", why=exc.message), "error")
            product = services.get_product(product_id)
    return render_template(
        "inventory/product_packs.html",
        product=product,
        tiers=packs.tiers_out(product),
        blank=range(BLANK_ROWS),
    )
