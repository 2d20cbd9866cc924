"""Roll-up: pages."""

from flask import Blueprint, render_template

from mart.auth import roles_required

bp = Blueprint("rollup", __name__, url_prefix="/association", template_folder="templates")


@bp.route("/")
@roles_required("association")
def dashboard():
    return render_template("mart/placeholder.html", title="Association")
