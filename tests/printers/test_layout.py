"""The layout engine: golden files at 32 and 48 columns, and its rules as properties."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mart.money import format_number
from printers.document import Document, Item, Total
from printers.layout import layout, printable, render_text
from tests.printers import sample

GOLDEN = Path(__file__).parent / "golden"


def _golden(name, text):
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path}"


@pytest.mark.parametrize("width", [32, 48])
def test_receipt_matches_golden_file(width):
    _golden(f"receipt_{width}.txt", render_text(sample.receipt(), width))


@pytest.mark.parametrize("width", [32, 48])
def test_copy_matches_golden_file(width):
    _golden(f"copy_{width}.txt", render_text(sample.receipt(copy=True), width))


@pytest.mark.parametrize("width", [32, 48])
def test_many_items_match_golden_file(width):
    _golden(f"many_items_{width}.txt", render_text(sample.many_items(40), width))


@pytest.mark.parametrize("width", [32, 48])
def test_amounts_right_aligned_and_in_rupiah(width):
    lines = render_text(sample.receipt(), width).splitlines()
    total = next(line for line in lines if line.startswith("TOTAL"))
    assert total.endswith("Rp 1.586.500") and len(total) == width
    big = next(i for i, line in enumerate(lines) if line.startswith("Kulkas"))
    assert lines[big].endswith(" 1.250.000") and len(lines[big]) == width
    discount = next(line for line in lines if line.startswith("Diskon"))
    assert discount.endswith("Rp -8.000")


def test_long_name_wraps_under_itself():
    lines = render_text(sample.receipt(), 32).splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Keripik"))
    assert lines[first].endswith("25.000")
    # the continuation starts in column 0, under the name, and holds no amount
    assert lines[first + 1].startswith("Balado") or lines[first + 1][0] != " "
    name = " ".join(line.removesuffix("25.000").strip() for line in lines[first : first + 4])
    assert "Produksi UMKM Ibu Siti Kemasan Jumbo" in name


def test_member_and_discount_lines_present():
    text = render_text(sample.receipt(), 48)
    assert "Anggota" in text and "A-000042" in text
    assert "  Diskon anggota -8.000" in text
    assert "  1,250 kg x 30.000" in text


def test_totals_are_emphasised_and_only_the_marked_ones():
    lines = layout(sample.receipt(), 48)
    emphasised = [line.text for line in lines if line.double_height]
    assert len(emphasised) == 1 and emphasised[0].startswith("TOTAL")
    assert all(line.bold for line in lines if line.double_height)


def test_copy_is_marked_salinan():
    text = render_text(sample.receipt(copy=True), 32)
    assert text.count("SALINAN / COPY") == 2
    assert "SALINAN" not in render_text(sample.receipt(), 32)


def test_transliteration():
    assert printable("Café Crème Brûlée") == "Cafe Creme Brulee"
    assert printable("Straße – “ok” …") == 'Strasse - "ok" ...'
    assert printable("蛋") == "?"
    assert printable("tab\there") == "tab here"


def test_width_must_be_32_or_48():
    with pytest.raises(ValueError):
        layout(sample.receipt(), 40)


def test_document_round_trips_through_dict():
    doc = sample.receipt(copy=True)
    again = Document.from_dict(doc.to_dict())
    assert again == doc
    assert again.items[3].quantity == Decimal("1.250")


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120)
amounts = st.integers(min_value=-(10**12), max_value=10**12)


@st.composite
def documents(draw):
    items = draw(
        st.lists(
            st.builds(
                Item,
                name=texts,
                quantity=st.decimals(min_value=0, max_value=10**6, places=3),
                unit_price=amounts,
                amount=amounts,
                note=st.none() | texts,
                unit=st.sampled_from(["pcs", "kg"]),
            ),
            max_size=5,
        )
    )
    return Document(
        header_lines=draw(st.lists(texts, max_size=3)),
        title=draw(st.none() | texts),
        info=draw(st.lists(st.tuples(texts, texts), max_size=3)),
        items=items,
        totals=draw(st.lists(st.builds(Total, texts, amounts, st.booleans()), max_size=4)),
        notes=draw(st.lists(texts, max_size=2)),
        footer_lines=draw(st.lists(texts, max_size=2)),
        qr_payload=draw(st.none() | texts),
        barcode=draw(st.none() | st.text(alphabet="ABC123-", min_size=1, max_size=20)),
        copy=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None)
@given(documents(), st.sampled_from([32, 48]))
def test_no_line_ever_runs_past_the_paper_and_all_is_printable(document, width):
    for line in layout(document, width):
        assert len(line.text) <= width
        assert all(" " <= ch <= "~" for ch in line.text)
    # and every amount is printed whole (never cut by the width)
    text = render_text(document, width)
    for item in document.items:
        assert format_number(item.amount) in text
