// The sale on the screen: its lines and totals, and the same on the customer display.
import { $, T, ctx, fmt, focusScan, rp } from "./page.js";
import { api } from "./net.js";
import { quantityText } from "./pricing.js";
import {
  clearSale, lineAmount, linePromotions, pendingQty, saveSale, select, selected, state, totals,
} from "./state.js";

// --- rendering -------------------------------------------------------------------
export function render() {
  const body = $("#lines");
  body.textContent = "";
  const promos = linePromotions(); // issue 15: each line's promotions by name
  state.lines.forEach((line, i) => {
    const a = lineAmount(line);
    const promo = promos[i];
    const tr = document.createElement("tr");
    if (i === selected) tr.classList.add("selected");
    const cells = [
      String(i + 1),
      line.name + (state.member && line.member_price != null && line.fixed_price == null ? " · " + T.member_price : "")
        + (a.tier ? " · " + T.quantity_price : "")
        + promo.given.map((g) => " · " + g.name).join(""),
      window.mart.qty(line.quantity, line.unit),
      rp(a.unit),
      line.discount || promo.discount ? "-" + rp((line.discount || 0) + promo.discount) : "",
      rp(a.amount - promo.discount),
    ];
    cells.forEach((text, c) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (c >= 2) td.className = "num";
      tr.appendChild(td);
    });
    const td = document.createElement("td");
    const x = document.createElement("button");
    x.type = "button"; x.className = "secondary outline small"; x.textContent = "×";
    x.addEventListener("click", () => { removeLine(i); });
    td.appendChild(x); tr.appendChild(td);
    tr.addEventListener("click", () => { select(i); render(); });
    body.appendChild(tr);
  });
  $("#empty-sale").classList.toggle("hidden", state.lines.length > 0);
  const t = totals();
  $("#t-items").textContent = window.mart.qty(quantityText(t.items));
  $("#t-discount").textContent = rp(t.discount);
  $("#t-total").textContent = rp(t.total);
  const mb = $("#member-box");
  if (state.member) {
    mb.textContent = `${state.member.member_no} · ${state.member.name}`;
    mb.classList.remove("hidden");
  } else {
    mb.classList.add("hidden");
  }
  const pq = $("#pending-qty");
  pq.textContent = pendingQty ? fmt(T.qty_set, { qty: window.mart.qty(pendingQty) }) : "";
  pq.classList.toggle("hidden", !pendingQty);
  saveSale();
  pushDisplay();
}

export function removeLine(i) {
  if (i < 0 || i >= state.lines.length) return;
  state.lines.splice(i, 1);
  select(Math.min(selected, state.lines.length - 1));
  render();
  focusScan();
}

// --- customer display ------------------------------------------------------------
let displayTimer = null;
// What the display shows besides the sale: the last change, the QRIS to pay.
export let displayExtra = {};
export function pushDisplay(extra) {
  if (extra !== undefined) displayExtra = extra;
  if (!ctx.shift) return;
  clearTimeout(displayTimer);
  displayTimer = setTimeout(() => {
    const t = totals();
    const promos = linePromotions();
    const lines = state.lines.map((l, i) => {
      const a = lineAmount(l);
      const name = l.name + promos[i].given.map((g) => " · " + g.name).join("");
      return { name, quantity: String(l.quantity), unit: l.unit, amount: a.amount - promos[i].discount };
    });
    api("PUT", `/registers/${ctx.shift.register_id}/display`, {
      lines: lines.slice(-30), total: t.total,
      member: state.member ? state.member.name : null, ...displayExtra,
    });
  }, 150);
}
// The last customer's change leaves the display (with the next scan).
export function clearDisplayExtra() {
  displayExtra = {};
}

// --- the next customer -----------------------------------------------------------
const resetHooks = []; // e.g. the payment dialog forgets its payments
export function onReset(fn) {
  resetHooks.push(fn);
}
export function resetSale() {
  resetHooks.forEach((fn) => fn());
  clearSale();
  displayExtra = {};
  render();
}
