from marshmallow import Schema, fields, validate


class TokenIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenOut(Schema):
    token = fields.String()
    roles = fields.List(fields.String())
    expires_at = fields.DateTime()


class MeOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    member_no = fields.String(allow_none=True)
    supplier_id = fields.Integer(allow_none=True)


class MessageOut(Schema):
    message = fields.String()


class ApproverOut(Schema):
    username = fields.String()
    full_name = fields.String()
