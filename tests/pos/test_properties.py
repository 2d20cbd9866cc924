"""Property tests of the money arithmetic of the counter."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pos.services import _split_proportionally, return_share

weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30)


@given(weights, st.data())
def test_sale_discount_split_is_exact_and_fair(ws, data):
    total = data.draw(st.integers(min_value=0, max_value=sum(ws)))
    shares = _split_proportionally(total, ws)
    assert sum(shares) == (total if sum(ws) else 0)
    base = sum(ws)
    for w, share in zip(ws, shares, strict=True):
        assert 0 <= share <= w
        if base:
            exact = total * w / base
            assert abs(share - exact) < 1 + 1e-9


quantities = st.integers(min_value=1, max_value=5000).map(lambda n: Decimal(n) / 1000)


@given(
    st.integers(min_value=0, max_value=10**10),
    st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=12),
)
def test_returns_of_a_line_add_up_to_its_amount(amount, parts):
    """However a line is returned in pieces, the refunds add up to what it cost."""
    sold = Decimal(sum(parts)) / 1000
    before = Decimal(0)
    refunded = 0
    for part in parts:
        qty = Decimal(part) / 1000
        share = return_share(amount, sold, before, qty)
        assert share >= 0
        refunded += share
        before += qty
    assert refunded == amount


@given(st.integers(min_value=0, max_value=10**9), quantities, quantities)
def test_partial_return_never_exceeds_proportion_by_more_than_a_rupiah(amount, sold, qty):
    qty = min(qty, sold)
    share = return_share(amount, sold, Decimal(0), qty)
    assert abs(share - amount * qty / sold) <= 1
