"""The document that other packages hand to the printer: a plain structure.

``pos`` builds receipts and ``members`` slips from these dataclasses; the layout
engine (``printers.layout``) turns one into lines for a paper width. A document is
stored on its print job as ``to_dict()`` and read back with ``from_dict()``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from mart.db import quantity


def branch_header() -> list[str]:
    """The lines every slip starts with: the branch's name and address and, for a
    branch that collects PPN (``MART_PKP``), its NPWP. Empty settings are left out."""
    cfg = current_app.config
    lines = [cfg.get("MART_BRANCH_NAME", ""), cfg.get("MART_BRANCH_ADDRESS", "")]
    if cfg.get("MART_PKP") and cfg.get("MART_BRANCH_NPWP"):
        lines.append(_("NPWP %(npwp)s", npwp=cfg["MART_BRANCH_NPWP"]))
    return [line for line in lines if line]


@dataclass
class Item:
    name: str
    quantity: Decimal
    unit_price: int
    amount: int
    note: str | None = None
    unit: str = "pcs"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "quantity": str(quantity(self.quantity)),
            "unit_price": int(self.unit_price),
            "amount": int(self.amount),
            "note": self.note,
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Item":
        return cls(
            name=data["name"],
            quantity=quantity(data["quantity"]),
            unit_price=int(data["unit_price"]),
            amount=int(data["amount"]),
            note=data.get("note"),
            unit=data.get("unit") or "pcs",
        )


@dataclass
class Total:
    label: str
    amount: int
    emphasis: bool = False

    def to_dict(self) -> dict:
        return {"label": self.label, "amount": int(self.amount), "emphasis": bool(self.emphasis)}

    @classmethod
    def from_dict(cls, data: dict) -> "Total":
        return cls(data["label"], int(data["amount"]), bool(data.get("emphasis", False)))


@dataclass
class Label:
    """A shelf label: name, price, member price, barcode (CODE128)."""

    name: str
    price: int
    member_price: int | None = None
    barcode: str | None = None
    # a product's packs (issue 15): ``(name, factor, price)``, "DUS (40) Rp 130.000"
    packs: list[tuple[str, int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "price": int(self.price),
            "member_price": None if self.member_price is None else int(self.member_price),
            "barcode": self.barcode,
            "packs": [[name, int(factor), int(price)] for name, factor, price in self.packs],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Label":
        member = data.get("member_price")
        return cls(
            name=data["name"],
            price=int(data["price"]),
            member_price=None if member is None else int(member),
            barcode=data.get("barcode"),
            packs=[(name, int(f), int(p)) for name, f, p in data.get("packs") or []],
        )


@dataclass
class Document:
    header_lines: list[str] = field(default_factory=list)
    title: str | None = None
    info: list[tuple[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    footer_lines: list[str] = field(default_factory=list)
    qr_payload: str | None = None
    barcode: str | None = None  # printed as CODE128
    copy: bool = False
    labels: list[Label] = field(default_factory=list)  # shelf labels, after the rest

    def to_dict(self) -> dict:
        return {
            "labels": [label.to_dict() for label in self.labels],
            "header_lines": [str(s) for s in self.header_lines],
            "title": self.title,
            "info": [[str(k), str(v)] for k, v in self.info],
            "items": [item.to_dict() for item in self.items],
            "totals": [total.to_dict() for total in self.totals],
            "notes": [str(s) for s in self.notes],
            "footer_lines": [str(s) for s in self.footer_lines],
            "qr_payload": self.qr_payload,
            "barcode": self.barcode,
            "copy": bool(self.copy),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Document":
        return cls(
            header_lines=list(data.get("header_lines") or []),
            title=data.get("title"),
            info=[(k, v) for k, v in data.get("info") or []],
            items=[Item.from_dict(i) for i in data.get("items") or []],
            totals=[Total.from_dict(t) for t in data.get("totals") or []],
            notes=list(data.get("notes") or []),
            footer_lines=list(data.get("footer_lines") or []),
            qr_payload=data.get("qr_payload"),
            barcode=data.get("barcode"),
            copy=bool(data.get("copy", False)),
            labels=[Label.from_dict(label) for label in data.get("labels") or []],
        )
