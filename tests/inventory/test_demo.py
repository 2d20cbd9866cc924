"""The demo seeder: realistic catalogue, valid barcodes, member suppliers, a supplier login."""

import sqlalchemy as sa

from inventory import barcodes as bc
from inventory import demo, services
from inventory.models import Barcode, Product, Supplier
from mart.extensions import db
from mart.models import User


def test_seed(app):
    context = {"logins": [], "rng_seed": 2026}
    with app.app_context():
        demo.seed(context)
        db.session.commit()
        products = db.session.scalar(sa.select(sa.func.count()).select_from(Product))
        assert 140 <= products <= 160
        assert len(context["products"]) == products
        codes = db.session.scalars(sa.select(Barcode.code)).all()
        assert all(bc.is_valid(c) for c in codes)
        assert sum(c.startswith("899") for c in codes) >= 80
        suppliers = db.session.scalars(sa.select(Supplier)).all()
        assert len(suppliers) == 10
        consigned = [s for s in suppliers if s.terms == "consignment"]
        assert sorted(s.member_no for s in consigned) == [f"M00000{i}" for i in range(1, 6)]
        assert set(context["supplier_members"].values()) == {s.member_no for s in consigned}
        assert ("umkm1", "supplier", "demo-umkm1-123") in context["logins"]
        user = db.session.scalar(sa.select(User).where(User.username == "umkm1"))
        assert user.check_password("demo-umkm1-123")
        assert db.session.get(Supplier, user.supplier_id).member_no == "M000001"
        value = services.stock_value()
        assert value["owned_at_cost"] > 0 and value["consigned_at_supplier_price"] > 0
        weighed = services.lookup_code(bc.with_check_digit("210010101500"))
        assert weighed.product.name == "Beras Medium Curah" and str(weighed.quantity) == "1.500"
