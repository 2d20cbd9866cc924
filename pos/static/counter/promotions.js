// Promotions on the cashier screen (issue 15), priced as the server prices them
// (pos/services/promotions.py, apply): percent off (half up per line), buy X get Y
// (the last units scanned are the free ones), bundles at a fixed price (the saving
// shared by the products' prices, largest remainder, then over a product's lines in
// scan order). One promotion per line, the best (a tie: the older), plus the stackable
// ones; members-only with a member; never more than the line after its own discount.
// The list comes from GET /promotions/counter (counter.js, every minute) and is kept in
// localStorage for offline. No DOM here: tests/pos/test_promotions_js.py runs it in node.
import { divHalfUp, mulDivHalfUp, thousandths } from "./pricing.js";

const KEY = "pos.promotions";
export let promotions = load();

function load() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY));
    return Array.isArray(list) ? list : [];
  } catch (e) { return []; }
}
export function setPromotions(list) {
  promotions = list;
  try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* memory only */ }
}

// _split_proportionally: ``total`` over ``weights``, exact sum, largest remainder
// (a tie: the earlier weight).
export function splitProportionally(total, weights) {
  const base = weights.reduce((s, w) => s + w, 0);
  if (!total || !base) return weights.map(() => 0);
  const b = BigInt(base);
  const shares = weights.map((w) => Number((BigInt(total) * BigInt(w)) / b));
  const rests = weights.map((w) => (BigInt(total) * BigInt(w)) % b);
  let left = total - shares.reduce((s, x) => s + x, 0);
  const order = weights.map((_, i) => i).sort((i, j) => (rests[j] > rests[i] ? 1 : rests[j] < rests[i] ? -1 : i - j));
  for (const i of order) { if (left <= 0) break; shares[i] += 1; left -= 1; }
  return shares;
}

const whole = (quantity) => Math.floor(thousandths(quantity) / 1000);
// A line's whole base units and base unit price, as the server's line has them: a pack
// line (packs.js) of ``n`` packs is n x factor units at the pack's share per unit.
function unitsOf(line) {
  return line.pack ? Math.round(thousandths(line.quantity) / 1000) * line.pack.factor : whole(line.quantity);
}
function unitPrice(line, amounts) {
  return line.pack ? divHalfUp(amounts.gross, unitsOf(line)) : amounts.unit;
}

// What ``promo`` gives each line (index -> rupiah); ``priced`` the lines' {unit, gross}.
function offers(promo, lines, priced) {
  const wanted = new Set(promo.products);
  const mine = [];
  lines.forEach((l, i) => { if (wanted.has(l.product_id)) mine.push(i); });
  const out = new Map();
  if (!mine.length) return out;
  if (promo.kind === "percent") {
    mine.forEach((i) => out.set(i, mulDivHalfUp(priced[i].gross, promo.percent, 10000)));
  } else if (promo.kind === "buy_get") {
    const group = promo.buy + promo.get;
    if (group <= 0 || promo.get <= 0) return out;
    let free = Math.floor(mine.reduce((s, i) => s + unitsOf(lines[i]), 0) / group) * promo.get;
    for (const i of [...mine].reverse()) {
      if (free <= 0) break;
      const here = Math.min(free, unitsOf(lines[i]));
      if (here > 0) { out.set(i, here * unitPrice(lines[i], priced[i])); free -= here; }
    }
  } else if (promo.kind === "bundle") {
    const parts = [...new Set(promo.products)];
    const byProduct = new Map();
    mine.forEach((i) => {
      const p = lines[i].product_id;
      if (!byProduct.has(p)) byProduct.set(p, []);
      byProduct.get(p).push(i);
    });
    if (parts.length < 2 || parts.some((p) => !byProduct.has(p))) return out;
    const count = Math.min(...parts.map((p) => byProduct.get(p).reduce((s, i) => s + unitsOf(lines[i]), 0)));
    const prices = parts.map((p) => { const i = byProduct.get(p)[0]; return unitPrice(lines[i], priced[i]); });
    const saving = count * (prices.reduce((s, x) => s + x, 0) - promo.price);
    if (count <= 0 || saving <= 0) return out;
    splitProportionally(saving, prices).forEach((share, k) => {
      let left = count;
      const idx = byProduct.get(parts[k]);
      const weights = idx.map((i) => { const u = Math.min(left, unitsOf(lines[i])); left -= u; return u; });
      splitProportionally(share, weights).forEach((part, n) => {
        if (part) out.set(idx[n], (out.get(idx[n]) || 0) + part);
      });
    });
  }
  return out;
}

// Each line's promotions: [{discount, given: [{promotion_id, name, discount}]}].
// ``priced`` are the lines' amounts (state.js lineAmount), ``member`` the sale's member.
export function applyPromotions(lines, priced, member, now = new Date(), list = promotions) {
  const result = lines.map(() => ({ discount: 0, given: [] }));
  const found = lines.map(() => []);
  for (const promo of list) {
    if (new Date(promo.starts) > now || new Date(promo.ends) <= now) continue;
    if (promo.members_only && !member) continue;
    offers(promo, lines, priced).forEach((amount, i) => { if (amount > 0) found[i].push([promo, amount]); });
  }
  found.forEach((offered, i) => {
    if (!offered.length) return;
    let best = null;
    for (const o of offered) if (!o[0].stackable && (!best || o[1] > best[1])) best = o;
    const chosen = (best ? [best] : []).concat(offered.filter((o) => o[0].stackable));
    let room = priced[i].gross - (lines[i].discount || 0);
    for (const [promo, amount] of chosen) {
      const given = Math.min(amount, room);
      if (given <= 0) continue;
      room -= given;
      result[i].given.push({ promotion_id: promo.id, name: promo.name, discount: given });
      result[i].discount += given;
    }
  });
  return result;
}
