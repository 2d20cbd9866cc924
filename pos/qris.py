"""QRIS: the dynamic payload for an amount, made from the branch's static one.

QRIS is the Indonesian profile of the EMVCo merchant-presented QR code. The payload is
a string of TLV fields: a 2-digit tag, a 2-digit length, the value. The acquiring bank
prints a *static* payload (point of initiation ``01`` = ``11``, no amount); for a sale
we make the *dynamic* one: tag 01 = ``12``, the amount in tag 54 (whole rupiah), and a
fresh CRC-16/CCITT-FALSE in tag 63 (4 uppercase hex digits over everything before it,
``6304`` included). No payment gateway is involved: the cashier confirms the payment.
"""

import io

import segno

TAG_FORMAT = "00"
TAG_INITIATION = "01"
TAG_AMOUNT = "54"
TAG_CRC = "63"
DYNAMIC = "12"
MAX_AMOUNT = 10**13 - 1
# EMVCo mandatory fields: format, merchant category, currency, country, name, city.
MANDATORY = ("00", "52", "53", "58", "59", "60")  # tag 54 holds at most 13 characters


class QrisError(ValueError):
    """The payload is not a well-formed EMVCo TLV string."""


def crc16_ccitt(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), 4 uppercase hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def parse(payload: str) -> list[tuple[str, str]]:
    """The top-level TLV fields, in order. Raises ``QrisError`` when malformed."""
    fields = []
    pos = 0
    while pos < len(payload):
        if pos + 4 > len(payload):
            raise QrisError(f"truncated field at {pos}")
        tag, length = payload[pos : pos + 2], payload[pos + 2 : pos + 4]
        if not (tag.isdigit() and length.isdigit()):
            raise QrisError(f"bad tag or length at {pos}")
        end = pos + 4 + int(length)
        if end > len(payload):
            raise QrisError(f"field {tag} runs past the end")
        fields.append((tag, payload[pos + 4 : end]))
        pos = end
    return fields


def build(fields: list[tuple[str, str]]) -> str:
    """TLV fields to a payload, with a fresh CRC in tag 63 (any old one dropped)."""
    body = "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields if tag != TAG_CRC)
    body += TAG_CRC + "04"
    return body + crc16_ccitt(body)


def crc_ok(payload: str) -> bool:
    return (
        len(payload) > 8 and payload[-8:-4] == "6304" and crc16_ccitt(payload[:-4]) == payload[-4:]
    )


def dynamic_payload(static_payload: str, amount: int) -> str:
    """The static merchant payload with point of initiation 12 and ``amount`` (rupiah).

    Raises ``QrisError`` for a malformed payload, ``ValueError`` for a bad amount.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise ValueError("amount must be a whole number of rupiah above zero")
    fields = parse(static_payload.strip())
    tags = [tag for tag, _ in fields]
    if not fields or tags[0] != TAG_FORMAT:
        raise QrisError("the payload must start with tag 00 (payload format indicator)")
    missing = [t for t in MANDATORY if t not in tags]
    if missing:
        raise QrisError(f"mandatory tag(s) missing: {', '.join(missing)}")
    if not any("02" <= t <= "51" for t in tags):
        raise QrisError("no merchant account information (tags 02-51)")
    fields = [(t, v) for t, v in fields if t not in (TAG_AMOUNT, TAG_CRC)]
    if TAG_INITIATION in tags:
        fields = [(t, DYNAMIC if t == TAG_INITIATION else v) for t, v in fields]
    else:
        fields.insert(1, (TAG_INITIATION, DYNAMIC))
    # Tag 54 goes in tag order: after the last field whose tag is below 54.
    index = 0
    for i, (tag, _) in enumerate(fields):
        if tag < TAG_AMOUNT:
            index = i + 1
    fields.insert(index, (TAG_AMOUNT, str(amount)))
    return build(fields)


def amount_of(payload: str) -> int | None:
    for tag, value in parse(payload):
        if tag == TAG_AMOUNT:
            return int(value.split(".")[0])
    return None


def svg(payload: str, scale: int = 4) -> str:
    """The payload as an SVG QR code (made on the server, no script needed)."""
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(
        out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True
    )
    return out.getvalue().decode("utf-8")
