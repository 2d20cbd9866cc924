"""Member credit at the counter (issue 15): the API under /api/v1.

``POST /members/{member_no}/credit-payments`` ``{amount, method, shift_id?}`` repays
what a member owes: in cash into the shift's drawer, or by transfer. 201 with the
member's credit after it; above what is owed 409, nothing written.
"""

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from mart.auth import roles_required
from mart.extensions import db
from members import services as members
from pos.services import credit as pos_credit

blp = Blueprint("pos_credit_api", __name__, description="Member credit at the counter")


class CreditPaymentIn(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**13))
    method = fields.String(load_default="cash", validate=validate.OneOf(("cash", "transfer")))
    shift_id = fields.Integer(load_default=None, allow_none=True)


class CreditPaymentOut(Schema):
    id = fields.Integer()
    member_no = fields.String()
    amount = fields.Integer()
    method = fields.String()
    limit = fields.Integer()
    used = fields.Integer()
    available = fields.Integer()


@blp.route("/members/<member_no>/credit-payments", methods=["POST"])
@roles_required("cashier", "manager")
@blp.arguments(CreditPaymentIn)
@blp.response(201, CreditPaymentOut)
def credit_payment(data, member_no):
    """A member repays their credit at the counter (cash into the drawer)."""
    entry = pos_credit.repay_at_counter(
        member_no, data["amount"], data["method"], current_user, shift_id=data["shift_id"]
    )
    figures = members.credit.credit_of(member_no)
    db.session.commit()
    return {
        "id": entry.id,
        "member_no": figures["member_no"],
        "amount": data["amount"],
        "method": data["method"],
        "limit": figures["limit"],
        "used": figures["used"],
        "available": figures["available"],
    }
