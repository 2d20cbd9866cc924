"""Inventory: pages."""

from flask import Blueprint, render_template

from mart.auth import roles_required

bp = Blueprint("inventory", __name__, url_prefix="/inventory", template_folder="templates")


@bp.route("/")
@roles_required("manager")
def index():
    return render_template("mart/placeholder.html", title="Inventory")


@bp.route("/supplier_home")
@roles_required("supplier")
def supplier_home():
    return render_template("mart/placeholder.html", title="Inventory")
