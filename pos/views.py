"""Point of sale: pages."""

from flask import Blueprint, render_template

from mart.auth import roles_required

bp = Blueprint("pos", __name__, url_prefix="/pos", template_folder="templates")


@bp.route("/")
@roles_required("cashier", "manager")
def counter():
    return render_template("mart/placeholder.html", title="Point of sale")
