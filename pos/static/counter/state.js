// The sale on this screen and its figures. The sale is kept in localStorage (a reload
// or a crash loses nothing); lines carry their quantity as the decimal string the sale
// sends ("1.255"), priced in integers by pricing.js as the server prices them.
import { ctx, uuid4 } from "./page.js";
import { packOrTierAmount } from "./packs.js";
import { thousandths, timesQuantity } from "./pricing.js";
import { applyPromotions } from "./promotions.js";

const KEY_SALE = "pos.sale." + ctx.user;
const KEY_LAST = "pos.last." + ctx.user; // the last sale's id: F12 reprints it after a reload

export let state = loadSale();
export let selected = -1; // the line F2, F4 and Del act on
export let pendingQty = null; // a quantity typed (F2, "3*") before the next scan
// A manager's approval of the discount (the fields the sale sends for it, e.g.
// {approval_pin}): in memory only, never saved.
export let approval = null;
export let lastSaleId = localStorage.getItem(KEY_LAST);

export function select(i) { selected = i; }
export function setPendingQty(q) { pendingQty = q; }
export function setApproval(given) { approval = given; }
export function replaceSale(sale) { state = sale; }

function newSale() {
  return { id: uuid4(), lines: [], member: null, discount: 0 };
}
function loadSale() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY_SALE));
    if (s && s.id && Array.isArray(s.lines)) return s;
  } catch (e) { /* a broken entry starts afresh */ }
  return newSale();
}
export function saveSale() {
  localStorage.setItem(KEY_SALE, JSON.stringify(state));
}
// The next customer: a new sale, nothing selected, no approval.
export function clearSale() {
  state = newSale();
  approval = null;
  selected = -1;
  pendingQty = null;
}
export function rememberLast(id) {
  lastSaleId = id;
  try { localStorage.setItem(KEY_LAST, id); } catch (e) { /* storage full: memory only */ }
}

// A line's unit price shown, gross and amount after its discount, as _priced_lines:
// a price label's amount times the labels counted; else the (member) price times the
// quantity, rounded half up once.
export function lineAmount(line) {
  const packed = packOrTierAmount(line, !!state.member); // packs, harga grosir (packs.js)
  if (packed) return packed;
  const unit = line.fixed_price != null ? null
    : (state.member && line.member_price != null ? line.member_price : line.price);
  const gross = line.fixed_price != null ? timesQuantity(line.fixed_price, thousandths(line.count || 1))
    : timesQuantity(unit, thousandths(line.quantity));
  // A price label's line shows the product's price per unit (0,5 kg x Rp 30.000 =
  // Rp 15.000), not the label's amount as if it were the price per kg.
  return { unit: unit != null ? unit : line.price, gross, amount: gross - (line.discount || 0) };
}
// ``items`` in thousandths: pieces count one by one; a weighed line counts as one item
// (kg are not pieces).
// Each line's running promotions (promotions.js, as the server gives them).
export function linePromotions() {
  return applyPromotions(state.lines, state.lines.map(lineAmount), state.member);
}
export function totals() {
  const promotion = linePromotions().reduce((s, p) => s + p.discount, 0);
  let gross = 0, disc = promotion, items = 0;
  for (const line of state.lines) {
    const a = lineAmount(line);
    gross += a.gross; disc += line.discount || 0; items += line.unit === "kg" ? 1000 : thousandths(line.quantity);
  }
  const discount = disc + (state.discount || 0);
  return { subtotal: gross, discount, promotion, total: gross - discount, items };
}
