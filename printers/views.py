"""Printers: pages."""

from flask import Blueprint, render_template

from mart.auth import roles_required

bp = Blueprint("printers", __name__, url_prefix="/printers", template_folder="templates")


@bp.route("/")
@roles_required("manager")
def index():
    return render_template("mart/placeholder.html", title="Printers")
