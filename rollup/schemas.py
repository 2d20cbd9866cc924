"""Roll-up schemas: the report a branch sends, the summaries the hub answers."""

from datetime import UTC, date, datetime, timedelta

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from rollup.models import STAGES

# No figure of one branch's day comes near this (Rp 10 triliun, as everywhere money is
# read); the hub's sums over every branch and day stay far inside BIGINT.
LIMIT = 10**13
# The first report date a hub takes, and how far ahead of the hub's date (time zones,
# a clock a little fast) a branch's business day may be.
FIRST_DATE = date(2000, 1, 1)
DAYS_AHEAD = 2
MAX_REVISION = 1_000_000


def _amount(nonneg=False, **kw):
    low = 0 if nonneg else -LIMIT
    return fields.Integer(strict=True, validate=validate.Range(min=low, max=LIMIT), **kw)


class _Lenient(Schema):
    """Unknown fields are ignored: a newer branch may send more than this hub knows."""

    class Meta:
        unknown = EXCLUDE


class RollupCapitalIn(_Lenient):
    pokok = _amount(nonneg=True, required=True)
    wajib = _amount(nonneg=True, required=True)
    sukarela = _amount(nonneg=True, required=True)


class RollupStockValueIn(_Lenient):
    owned_at_cost = _amount(load_default=0)
    consigned_at_supplier_price = _amount(load_default=0)


class RollupUmkmSupplierIn(_Lenient):
    """One UMKM supplier's day at the branch (optional part of a report; older branches
    do not send it)."""

    ref = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(load_default="", validate=validate.Length(max=120))
    member = fields.Boolean(load_default=False)
    permit = fields.Boolean(load_default=False)
    has_page = fields.Boolean(load_default=False)
    sales = _amount(load_default=0)
    consignment_paid = _amount(load_default=0)


class RollupReportIn(_Lenient):
    """A branch's daily report (what ``GET /rollup/daily`` shows and the sender posts)."""

    branch_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    branch_name = fields.String(load_default="", validate=validate.Length(max=200))
    date = fields.Date(required=True)
    revision = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=MAX_REVISION)
    )
    built_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    day_start = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    day_end = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))

    sales_gross = _amount(nonneg=True, required=True)
    discounts = _amount(nonneg=True, load_default=0)
    returns = _amount(nonneg=True, required=True)
    sales_net = _amount(required=True)
    ppn = _amount(required=True)
    transactions = _amount(nonneg=True, required=True)
    items = _amount(nonneg=True, load_default=0)
    average_basket = _amount(load_default=0)
    by_payment = fields.Dict(
        keys=fields.String(validate=validate.Length(max=32)),
        values=_amount(),
        load_default=dict,
        validate=validate.Length(max=20),
    )
    rounding = _amount(load_default=0)
    refunds = fields.Dict(
        keys=fields.String(validate=validate.Length(max=32)),
        values=_amount(),
        load_default=dict,
    )
    member_sales = _amount(load_default=0)
    # A fraction of sales_net; outside 0..1 on a day where returns outweigh sales.
    member_sales_share = fields.Float(
        load_default=0.0, allow_nan=False, validate=validate.Range(min=-1000, max=1000)
    )

    members_total = _amount(nonneg=True, required=True)
    members_joined = _amount(nonneg=True, load_default=0)
    members_left = _amount(nonneg=True, load_default=0)
    capital = fields.Nested(RollupCapitalIn, required=True)
    stock_value = fields.Nested(RollupStockValueIn, load_default=lambda: {})

    umkm_purchases = _amount(load_default=0)
    consignment_payable = _amount(load_default=0)
    consignment_paid = _amount(load_default=0)
    active_umkm_suppliers = _amount(nonneg=True, load_default=0)
    member_suppliers = _amount(nonneg=True, load_default=0)
    staff = fields.List(
        fields.String(validate=validate.Length(max=64)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    staff_count = _amount(nonneg=True, load_default=0)
    sources_missing = fields.List(
        fields.String(validate=validate.Length(max=64)),
        load_default=list,
        validate=validate.Length(max=20),
    )

    @validates("date")
    def _date_in_range(self, value, **kwargs):
        latest = datetime.now(UTC).date() + timedelta(days=DAYS_AHEAD)
        if not FIRST_DATE <= value <= latest:
            raise ValidationError(f"Must be from {FIRST_DATE.isoformat()} to {latest.isoformat()}.")

    umkm_suppliers = fields.List(
        fields.Nested(RollupUmkmSupplierIn),
        load_default=None,
        validate=validate.Length(max=5000),
        metadata={"description": "optional: per UMKM supplier, its sales and payouts"},
    )

    books = fields.Dict(
        load_default=None,
        metadata={"description": "optional: the books' totals and `reconciled`"},
    )
    books_check = fields.Nested(
        lambda: RollupBooksCheckIn(),
        load_default=None,
        metadata={"description": "optional: the books' check against the ledgers"},
    )
    top_products = fields.List(
        fields.Nested(lambda: RollupTopProductIn()),
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "optional: the day's best-selling products (up to 100)"},
    )

    @validates_schema
    def _unique_suppliers(self, data, **kwargs):
        refs = [s["ref"] for s in data.get("umkm_suppliers") or []]
        if len(refs) != len(set(refs)):
            raise ValidationError("A supplier is listed twice.", "umkm_suppliers")
        refs = [p["ref"] for p in data.get("top_products") or []]
        if len(refs) != len(set(refs)):
            raise ValidationError("A product is listed twice.", "top_products")


class RollupBooksCheckIn(_Lenient):
    """The branch's books checked against its ledgers when the report was built."""

    ok = fields.Boolean(required=True)
    differences = fields.List(
        fields.String(validate=validate.Length(max=300)),
        load_default=list,
        validate=validate.Length(max=50),
    )


def _quantity_bound(value):
    # not validate.Range: its Decimal bounds would enter the OpenAPI document as strings
    if abs(value) > 10**9:
        raise ValidationError("Must be at most 10^9.")


class RollupTopProductIn(_Lenient):
    """One of the day's best-selling products at the branch (optional part of a report;
    older branches do not send it). ``barcode`` identifies it across branches; without
    one, its name does."""

    ref = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    barcode = fields.String(load_default="", validate=validate.Length(max=64))
    unit = fields.String(load_default="", validate=validate.Length(max=8))
    umkm = fields.Boolean(load_default=False)
    supplier = fields.String(load_default="", validate=validate.Length(max=120))
    quantity = fields.Decimal(
        load_default=None,
        places=3,
        validate=_quantity_bound,
        metadata={"description": 'exact, e.g. "1.250" (kg); at most 10^9'},
    )
    sales = _amount(load_default=0)


class RollupIngestResultOut(Schema):
    branch_code = fields.String()
    date = fields.Date()
    revision = fields.Integer()
    outcome = fields.String(metadata={"description": "created, replaced or unchanged"})


class RollupDailyArgs(Schema):
    date = fields.Date(required=True)


class RollupDailyOut(Schema):
    """The figures of a business day at this branch."""

    class Meta:
        unknown = EXCLUDE

    branch_code = fields.String()
    branch_name = fields.String()
    date = fields.String(metadata={"description": "YYYY-MM-DD"})
    revision = fields.Integer()
    built = fields.Boolean(metadata={"description": "this revision is in the outbox"})
    status = fields.String(allow_none=True)
    day_start = fields.String()
    day_end = fields.String()
    sales_gross = fields.Integer()
    discounts = fields.Integer()
    returns = fields.Integer()
    sales_net = fields.Integer()
    ppn = fields.Integer()
    transactions = fields.Integer()
    items = fields.Integer()
    average_basket = fields.Integer()
    by_payment = fields.Dict(keys=fields.String(), values=fields.Integer())
    rounding = fields.Integer(metadata={"description": "cash rounding added to the totals"})
    refunds = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "sum(by_payment) - rounding - sum(refunds) == sales_net"},
    )
    member_sales = fields.Integer(metadata={"description": "net of returns of members' sales"})
    member_sales_share = fields.Float()
    members_total = fields.Integer()
    members_joined = fields.Integer()
    members_left = fields.Integer()
    capital = fields.Dict(keys=fields.String(), values=fields.Integer())
    stock_value = fields.Dict(keys=fields.String(), values=fields.Integer())
    umkm_purchases = fields.Integer()
    consignment_payable = fields.Integer()
    consignment_paid = fields.Integer()
    active_umkm_suppliers = fields.Integer()
    member_suppliers = fields.Integer()
    staff = fields.List(fields.String())
    staff_count = fields.Integer()
    sources_missing = fields.List(fields.String())
    top_products = fields.List(fields.Dict(), metadata={"description": "the day's best sellers"})
    books_check = fields.Dict(metadata={"description": "{ok, differences}: the books' check"})
    books = fields.Dict(
        allow_none=True,
        metadata={
            "description": "the books: assets, liabilities, equity at the end of the day, "
            "revenue and surplus since 1 January, reconciled (with the ledgers)"
        },
    )


class RollupOutboxOut(Schema):
    id = fields.Integer()
    date = fields.Date()
    revision = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    sales_net = fields.Integer()
    transactions = fields.Integer()


class RollupOutboxArgs(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "sent", "superseded", "rejected"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class RollupPeriodArgs(Schema):
    """``from`` and ``to`` (inclusive); default the last 30 days."""

    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    stale_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=3650))

    @validates_schema
    def _order(self, data, **kwargs):
        f, t = data.get("date_from"), data.get("date_to")
        if f and t and f > t:
            raise ValidationError("Must not be after 'to'.", "from")
        if f and t and (t - f).days > 366 * 10:
            raise ValidationError("At most ten years.", "from")


class RollupTrendArgs(RollupPeriodArgs):
    by = fields.String(load_default="day", validate=validate.OneOf(["day", "week", "month"]))


_SUMS = (
    "sales_gross",
    "discounts",
    "returns",
    "sales_net",
    "ppn",
    "transactions",
    "items",
    "member_sales",
    "members_joined",
    "members_left",
    "umkm_purchases",
    "consignment_payable",
    "consignment_paid",
)
_POINTS = (
    "members_total",
    "capital_pokok",
    "capital_wajib",
    "capital_sukarela",
    "stock_value_cost",
    "stock_consigned",
    "umkm_suppliers_active",
    "umkm_suppliers_members",
    "staff_count",
)
_figures = {name: fields.Integer() for name in _SUMS + _POINTS}

TotalsOut = Schema.from_dict(
    {
        **_figures,
        "average_basket": fields.Integer(),
        "branches": fields.Integer(),
        "branches_reporting": fields.Integer(),
        "stale_branches": fields.Integer(),
        "days_reported": fields.Integer(),
    },
    name="RollupTotals",
)

BranchRowOut = Schema.from_dict(
    {
        "code": fields.String(),
        "name": fields.String(),
        "kota": fields.String(),
        "kecamatan": fields.String(),
        **_figures,
        "average_basket": fields.Integer(),
        "days_reported": fields.Integer(),
        "timezone": fields.String(
            metadata={"description": "Asia/Jakarta, Asia/Makassar or Asia/Jayapura"}
        ),
        "timezone_label": fields.String(metadata={"description": "WIB, WITA or WIT"}),
        "business_day": fields.Date(
            metadata={"description": "the branch's current business day, in its time zone"}
        ),
        "figures_as_of": fields.Date(allow_none=True),
        "last_report_date": fields.Date(allow_none=True),
        "days_since_report": fields.Integer(allow_none=True),
        "days_silent": fields.Integer(
            allow_none=True,
            metadata={"description": "closed business days (its time zone) with no report"},
        ),
        "stale": fields.Boolean(),
    },
    name="RollupBranchRow",
)


class RollupSummaryOut(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    stale_days = fields.Integer()
    totals = fields.Nested(TotalsOut)
    branches = fields.List(fields.Nested(BranchRowOut))
    branches_total = fields.Integer(metadata={"description": "active branches in all"})
    page = fields.Integer(allow_none=True, metadata={"description": "null: every branch"})
    per_page = fields.Integer(allow_none=True)


class RollupSummaryArgs(RollupPeriodArgs):
    """``per_page`` (1-1000) pages the branch table (by code; ``page`` from 1); without
    it every active branch is listed, as before. The totals cover every branch."""

    page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1000))


class RollupBreakdownArgs(RollupPeriodArgs):
    """``per_page`` (1-1000) pages the groups (``page`` from 1); without it every group
    is listed, as before. ``sort``: ``name`` (kota, then kecamatan; the default) or
    ``sales_net`` (highest net sales first, then by name)."""

    by = fields.String(load_default="kota", validate=validate.OneOf(["kota", "kecamatan"]))
    sort = fields.String(load_default="name", validate=validate.OneOf(["name", "sales_net"]))
    page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1000))


GroupRowOut = Schema.from_dict(
    {
        "kota": fields.String(),
        "kecamatan": fields.String(allow_none=True),
        **TotalsOut().fields,
    },
    name="RollupGroupRow",
)


class RollupBreakdownOut(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    by = fields.String()
    items = fields.List(fields.Nested(GroupRowOut))
    sort = fields.String(metadata={"description": "name or sales_net"})
    total = fields.Integer(metadata={"description": "groups in all (every page)"})
    page = fields.Integer(allow_none=True, metadata={"description": "null: every group"})
    per_page = fields.Integer(allow_none=True)
    totals = fields.Nested(TotalsOut, metadata={"description": "of every group, all pages"})


TrendPointOut = Schema.from_dict(
    {"period": fields.Date(), "reports": fields.Integer(), **{n: fields.Integer() for n in _SUMS}},
    name="RollupTrendPoint",
)


class RollupTrendOut(Schema):
    by = fields.String()
    items = fields.List(fields.Nested(TrendPointOut))
    total = fields.Integer()


class HubBranchOut(Schema):
    code = fields.String()
    name = fields.String()
    kota = fields.String()
    kecamatan = fields.String()
    timezone = fields.String()
    last_report_date = fields.Date(allow_none=True)
    last_received_at = fields.DateTime(allow_none=True)
    key_rotated_at = fields.DateTime()


class RollupBranchTrendArgs(RollupTrendArgs):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    by = fields.String(load_default="month", validate=validate.OneOf(["day", "month"]))


class RollupUmkmArgs(RollupPeriodArgs):
    kecamatan = fields.String(load_default=None, validate=validate.Length(max=120))


class RollupStageCountsIn(Schema):
    kota = fields.String(load_default="", validate=validate.Length(max=120))
    kecamatan = fields.String(required=True, validate=validate.Length(min=1, max=120))
    counts = fields.Dict(
        keys=fields.String(validate=validate.OneOf(STAGES)),
        values=fields.Integer(strict=True, validate=validate.Range(min=0, max=10**9)),
        required=True,
        validate=validate.Length(min=1),
    )


class RollupStageCountsOut(RollupStageCountsIn):
    """The counts as stored (the same fields)."""


UmkmKecamatanOut = Schema.from_dict(
    {
        "kota": fields.String(),
        "kecamatan": fields.String(),
        "suppliers": fields.Integer(),
        "selling_suppliers": fields.Integer(),
        "suppliers_with_permit": fields.Integer(),
        "member_suppliers": fields.Integer(),
        "suppliers_with_page": fields.Integer(),
        "sales": fields.Integer(),
        "consignment_paid": fields.Integer(),
        "sales_net_branches": fields.Integer(),
        "umkm_share": fields.Float(),
        "stages": fields.Dict(
            metadata={"description": "stage -> {marts: count or null, movement: count or null}"}
        ),
    },
    name="RollupUmkmKecamatan",
)


class RollupUmkmOut(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    totals = fields.Dict()
    kecamatan = fields.List(fields.Nested(UmkmKecamatanOut))
    new_suppliers = fields.List(fields.Dict())


class RollupProductsArgs(RollupPeriodArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))
    umkm = fields.Boolean(load_default=False, metadata={"description": "only UMKM products"})


ProductRowOut = Schema.from_dict(
    {
        "key": fields.String(metadata={"description": "the barcode, or name:<name>"}),
        "name": fields.String(),
        "barcode": fields.String(),
        "unit": fields.String(),
        "umkm": fields.Boolean(),
        "supplier": fields.String(metadata={"description": "the UMKM supplier's name"}),
        "quantity": fields.Decimal(as_string=True),
        "sales": fields.Integer(),
        "branches": fields.Integer(),
        "kecamatan": fields.Integer(),
        "kota": fields.Integer(),
    },
    name="RollupProductRow",
)


class RollupProductsOut(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    items = fields.List(fields.Nested(ProductRowOut))


BooksCheckRowOut = Schema.from_dict(
    {
        "code": fields.String(),
        "name": fields.String(),
        "kota": fields.String(),
        "kecamatan": fields.String(),
        "timezone_label": fields.String(),
        "as_of": fields.Date(metadata={"description": "the day of the report that said so"}),
        "differences": fields.List(fields.String(), allow_none=True),
    },
    name="RollupBooksCheckRow",
)


class RollupBooksCheckOut(Schema):
    checked = fields.Integer(metadata={"description": "active branches that sent a check"})
    not_reconciled = fields.Integer()
    items = fields.List(fields.Nested(BooksCheckRowOut))
