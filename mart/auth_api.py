"""Core API: tokens and who am I."""

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from mart import auth
from mart.auth import roles_required
from mart.extensions import db
from mart.schemas import (
    ApproverOut,
    MeOut,
    MessageOut,
    TokenIn,
    TokenOut,
)
from mart.security import csrf_exempt

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Logins for API clients")


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
@blp.doc(security=[])
@csrf_exempt
def create_token(data):
    """Trade a user name and password for a bearer token.

    Wrong credentials 401; too many failures from this address 429.
    """
    try:
        user = auth.authenticate(data["username"], data["password"], auth.client_address())
    except (auth.Unauthorized, auth.TooManyRequests):
        db.session.commit()  # keep the audit of the failed try
        raise
    token, row = auth.issue_token(user)
    db.session.commit()
    return {"token": token, "roles": user.roles, "expires_at": row.expires_at}


@blp.route("/token", methods=["DELETE"])
@roles_required()
@blp.response(200, MessageOut)
def revoke_token():
    """Revoke the bearer token this request carries."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip()
    auth.revoke_token(token)
    db.session.commit()
    return {"message": "revoked"}


@blp.route("/me")
@roles_required()
@blp.response(200, MeOut)
def me():
    return current_user


@blp.route("/approvers")
@roles_required("cashier", "manager")
@blp.response(200, ApproverOut(many=True))
def approvers():
    """Who can approve at the counter (managers and admins with a PIN): the cashier's
    screen lets the approver choose their name, then type their PIN (``approver`` and
    ``approval_pin`` in the request that needs it)."""
    return auth.approvers()
