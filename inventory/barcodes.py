"""Barcodes: EAN-13, EAN-8 and UPC-A check digits, scale labels, search text.

Scale labels (price- or weight-embedded EAN-13, in-store prefixes 20-29) follow
configurable rules, ``MART_SCALE_RULES`` (default ``"21:weight,22:price"``): the
label is ``PP IIIII VVVVV C``: 2-digit prefix, 5-digit item code, 5-digit value
(grams for ``weight``, rupiah for ``price``) and the check digit. The product is
found by its registered label with a zero value (``PP IIIII 00000 C``) or by a sku
equal to the item code.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

VALID_LENGTHS = (8, 12, 13)


def check_digit(body: str) -> int:
    """The GS1 check digit of ``body`` (all digits but the last)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid(code: str) -> bool:
    """True for an EAN-13, EAN-8 or UPC-A code with a correct check digit."""
    if not code or not (code.isascii() and code.isdigit()) or len(code) not in VALID_LENGTHS:
        return False
    return check_digit(code[:-1]) == int(code[-1])


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


@dataclass(frozen=True)
class ScaleRule:
    prefix: str
    kind: str  # "weight" or "price"


def parse_rules(text: str) -> list[ScaleRule]:
    """``"21:weight,22:price"`` to rules; raises ValueError on nonsense."""
    rules = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        prefix, _, kind = part.partition(":")
        prefix, kind = prefix.strip(), kind.strip()
        if not re.fullmatch(r"2[0-9]", prefix) or kind not in ("weight", "price"):
            raise ValueError(f"bad scale rule {part!r}")
        rules.append(ScaleRule(prefix, kind))
    return rules


@dataclass(frozen=True)
class ScaleLabel:
    rule: ScaleRule
    item_code: str
    value: int
    registered_code: str  # the label with a zero value

    @property
    def quantity(self) -> Decimal | None:
        if self.rule.kind != "weight":
            return None
        return (Decimal(self.value) / 1000).quantize(Decimal("0.001"))

    @property
    def price(self) -> int | None:
        return self.value if self.rule.kind == "price" else None


def parse_scale_label(code: str, rules: list[ScaleRule]) -> ScaleLabel | None:
    if len(code) != 13 or not is_valid(code):
        return None
    for rule in rules:
        if code.startswith(rule.prefix):
            item = code[2:7]
            return ScaleLabel(
                rule, item, int(code[7:12]), with_check_digit(rule.prefix + item + "00000")
            )
    return None


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: ``"Kopi  Gayo Açeh!"`` ->
    ``"kopi gayo aceh"``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped.casefold()).split())


def search_text(name: str, sku: str, codes) -> str:
    return " ".join(filter(None, [normalise(name), normalise(sku), *codes]))[:500]
