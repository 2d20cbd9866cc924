"""Members: pages."""

from flask import Blueprint, render_template

from mart.auth import roles_required

bp = Blueprint("members", __name__, url_prefix="/members", template_folder="templates")


@bp.route("/")
@roles_required("manager")
def index():
    return render_template("mart/placeholder.html", title="Members")


@bp.route("/me")
@roles_required("member")
def me():
    return render_template("mart/placeholder.html", title="Members")
