"""How each business event posts: the journal of a sale, a return, a receipt...

The domains (pos, inventory, members) compute their figures and call these functions
in the event's own transaction; nothing here reads the domains' tables. Every function
builds balanced lines from the figures given (the last line takes what the others
leave, so a journal balances by construction) and calls ``books.services.post``.
"""

from datetime import date

from books.services import post

# A payment or refund method -> the account it is received in / paid from.
METHOD_ROLES = {
    "cash": "kas",
    "qris": "piutang_qris",
    "card": "piutang_kartu",
    "transfer": "bank",
    "bank": "bank",
    "simpanan": "simpanan_sukarela",
    "credit": "piutang_anggota",
}
SIMPANAN_ROLES = {
    "pokok": "simpanan_pokok",
    "wajib": "simpanan_wajib",
    "sukarela": "simpanan_sukarela",
}


def method_role(method: str) -> str:
    return METHOD_ROLES.get(method, "kas")


def sale(
    on: date,
    *,
    sale_id: str,
    number: str,
    total: int,
    ppn: int,
    rounding: int,
    change: int,
    payments: list[tuple[str, int]],
    consigned: list[tuple[int, int]],
    cost: int,
    user=None,
):
    """A sale: debit what was received (cash net of change), credit penjualan with the
    price before tax of the mart's own goods, PPN keluaran with the receipt's PPN,
    utang konsinyasi with each consigned line's supplier share and komisi konsinyasi
    with the rest of its price before tax; cash rounding to pendapatan lain; HPP
    against persediaan at moving average cost. ``consigned``: (price before tax,
    supplier share) per consigned line."""
    received: dict[str, int] = {}
    for method, amount in payments:
        role = method_role(method)
        received[role] = received.get(role, 0) + amount
    if change:
        received["kas"] = received.get("kas", 0) - change
    lines = [(role, amount, 0) for role, amount in received.items()]
    consigned_before_tax = 0
    for before_tax, share in consigned:
        consigned_before_tax += before_tax
        lines.append(("utang_konsinyasi", 0, share))
        lines.append(("komisi_konsinyasi", 0, before_tax - share))
    lines.append(("ppn_keluaran", 0, ppn))
    lines.append(("pendapatan_lain", 0, rounding))
    lines.append(("penjualan", 0, total - ppn - consigned_before_tax))
    if cost:
        lines.append(("hpp", cost, 0))
        lines.append(("persediaan", 0, cost))
    return post(
        on,
        f"Penjualan {number}",
        lines,
        source_type="sale",
        source_id=sale_id,
        source_number=number,
        user=user,
    )


def sale_return(
    on: date,
    *,
    return_id,
    number: str,
    amount: int,
    ppn: int,
    refunds: list[tuple[str, int]],
    consigned: list[tuple[int, int]],
    cost_back: int,
    cost_damaged: int,
    user=None,
):
    """A customer return, the mirror of the sale lines returned: debit retur penjualan
    (own goods before tax), PPN keluaran (the return's PPN), utang konsinyasi and komisi
    konsinyasi for consigned lines; credit what was refunded. Goods back on the shelf:
    persediaan against HPP; damaged goods: selisih persediaan against HPP."""
    lines = []
    consigned_before_tax = 0
    for before_tax, share in consigned:
        consigned_before_tax += before_tax
        lines.append(("utang_konsinyasi", share, 0))
        lines.append(("komisi_konsinyasi", before_tax - share, 0))
    lines.append(("ppn_keluaran", ppn, 0))
    lines.append(("retur_penjualan", amount - ppn - consigned_before_tax, 0))
    for method, refunded in refunds:
        lines.append((method_role(method), 0, refunded))
    lines.append(("persediaan", cost_back, 0))
    lines.append(("selisih_persediaan", cost_damaged, 0))
    lines.append(("hpp", 0, cost_back + cost_damaged))
    return post(
        on,
        f"Retur penjualan {number}",
        lines,
        source_type="return",
        source_id=return_id,
        source_number=number,
        user=user,
    )


def goods_receipt(on: date, *, receipt_id, invoice: int, stock_value: int, user=None):
    """A purchase (beli putus) receipt: persediaan grows by the change of the stock's
    value at moving average cost, utang usaha by the invoice; what differs (units sold
    before their cost was known take this receipt's cost, and the average's rounding)
    goes to HPP."""
    return post(
        on,
        f"Penerimaan barang #{receipt_id}",
        [
            ("persediaan", stock_value, 0),
            ("hpp", invoice - stock_value, 0),
            ("utang_usaha", 0, invoice),
        ],
        source_type="goods_receipt",
        source_id=receipt_id,
        user=user,
    )


def supplier_return(on: date, *, return_id, refund: int, stock_value: int, user=None):
    """Goods back to a beli-putus supplier: utang usaha falls by their cost, persediaan
    by the change of its value (the average's rounding to HPP)."""
    return post(
        on,
        f"Retur ke pemasok #{return_id}",
        [
            ("utang_usaha", refund, 0),
            ("hpp", stock_value - refund, 0),
            ("persediaan", 0, stock_value),
        ],
        source_type="supplier_return",
        source_id=return_id,
        user=user,
    )


def stock_difference(on: date, *, source_type: str, source_id, value: int, memo: str, user=None):
    """A stock count difference or a write-off: persediaan against selisih persediaan
    (``value`` is the change of persediaan, negative for a loss)."""
    return post(
        on,
        memo,
        [("persediaan", value, 0), ("selisih_persediaan", 0, value)],
        source_type=source_type,
        source_id=source_id,
        user=user,
    )


def settlement(on: date, *, settlement_id, adjustment: int, user=None):
    """A consignment settlement: utang konsinyasi trued up to the settlement's payable
    (the settlement rounds per product; the sales posted per line), against komisi."""
    return post(
        on,
        f"Penyelesaian konsinyasi #{settlement_id}",
        [("utang_konsinyasi", 0, adjustment), ("komisi_konsinyasi", adjustment, 0)],
        source_type="settlement",
        source_id=settlement_id,
        user=user,
    )


def settlement_paid(on: date, *, settlement_id, amount: int, method="bank", user=None):
    """A settlement paid to the supplier: utang konsinyasi against bank (or kas)."""
    return post(
        on,
        f"Pembayaran konsinyasi #{settlement_id}",
        [("utang_konsinyasi", amount, 0), (method_role(method), 0, amount)],
        source_type="settlement_payment",
        source_id=settlement_id,
        user=user,
    )


def savings(
    on: date,
    *,
    entry_id,
    kind: str,
    amount: int,
    method="cash",
    memo: str,
    source_type="savings",
    user=None,
):
    """A simpanan entry paid in or out: ``amount`` signed as on the member's ledger
    (a deposit positive). Pokok and wajib are equity, sukarela a liability; the other
    side is kas unless another method is named."""
    return post(
        on,
        memo,
        [(method_role(method), amount, 0), (SIMPANAN_ROLES[kind], 0, amount)],
        source_type=source_type,
        source_id=entry_id,
        user=user,
    )


def cash_movement(on: date, *, movement_id, kind: str, amount: int, to="safe", user=None):
    """Cash out of a drawer to the safe (kas to kas) or the bank, or into a drawer from
    the safe: never the surplus."""
    other = "bank" if to == "bank" else "kas"
    if kind == "out":
        lines = [(other, amount, 0), ("kas", 0, amount)]
        memo = "Setor kas laci ke bank" if to == "bank" else "Kas laci ke brankas"
    else:
        lines = [("kas", amount, 0), (other, 0, amount)]
        memo = "Kas dari bank ke laci" if to == "bank" else "Kas brankas ke laci"
    return post(
        on,
        memo,
        lines,
        source_type="cash_movement",
        source_id=movement_id,
        user=user,
        merge=False,
    )


def shift_difference(on: date, *, shift_id, difference: int, user=None):
    """The counted cash less the expected at a shift's close: kas against selisih kas."""
    return post(
        on,
        f"Selisih kas shift #{shift_id}",
        [("kas", difference, 0), ("selisih_kas", 0, difference)],
        source_type="shift",
        source_id=shift_id,
        user=user,
    )


def leaving(on: date, *, member_no: str, payouts: dict[str, int], user=None):
    """A member leaving: pokok, wajib and sukarela paid out from kas."""
    lines = [(SIMPANAN_ROLES[kind], amount, 0) for kind, amount in payouts.items()]
    lines.append(("kas", 0, sum(payouts.values())))
    return post(
        on,
        f"Pengembalian simpanan anggota keluar {member_no}",
        lines,
        source_type="leave",
        source_id=member_no,
        user=user,
    )


# SHU parts -> the account that receives them (the members' parts go to their
# simpanan sukarela or to utang SHU when paid in cash; an unknown part to dana lain).
SHU_PART_ROLES = {
    "cadangan": "cadangan",
    "dana_pengurus": "dana_pengurus",
    "dana_karyawan": "dana_karyawan",
    "dana_pendidikan": "dana_pendidikan",
    "dana_sosial": "dana_sosial",
}
MEMBER_PARTS = ("jasa_modal", "jasa_usaha")


def shu(
    on: date,
    *,
    year: int,
    surplus: int,
    parts: dict[str, int],
    rounding_to_cadangan: int,
    to_sukarela: int,
    to_pay: int,
    user=None,
):
    """The SHU posted: out of the SHU of the year into cadangan (with what rounding
    left over), the funds, the members' simpanan sukarela and utang SHU."""
    lines = [("shu_tahun_berjalan", surplus, 0), ("cadangan", 0, rounding_to_cadangan)]
    for name, amount in parts.items():
        if name in MEMBER_PARTS:
            continue
        lines.append((SHU_PART_ROLES.get(name, "dana_lain"), 0, amount))
    lines.append(("simpanan_sukarela", 0, to_sukarela))
    lines.append(("utang_shu", 0, to_pay))
    return post(
        on,
        f"Pembagian SHU tahun {year}",
        lines,
        source_type="shu",
        source_id=str(year),
        user=user,
    )


def credit_payment(on: date, *, payment_id, member_no: str, amount: int, method="cash", user=None):
    """A member repaying purchases on credit: kas (or the method's account) against
    piutang anggota. (For the member credit ledger; a sale on credit debits piutang
    anggota through ``sale``.)"""
    return post(
        on,
        f"Pelunasan piutang anggota {member_no}",
        [(method_role(method), amount, 0), ("piutang_anggota", 0, amount)],
        source_type="credit_payment",
        source_id=payment_id,
        user=user,
    )
