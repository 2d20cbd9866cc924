// Returns (F11, or a receipt's barcode scanned): find the sale, say how much of each
// product goes back, refund as paid or in cash. The server decides what may go back
// (pos/services.py); this dialog only shows what was sold and returned so far.
import { $, $$, T, dialogError, errorText, fmt, message, openDialog, closeDialog, rp } from "./page.js";
import { api } from "./net.js";
import { parseQty, quantityText, thousandths } from "./pricing.js";

let returnSale = null;
export function openReturn(number) {
  $("#return-form").classList.add("hidden");
  const find = $("form[data-dialog=return-find]");
  find.classList.remove("hidden");
  openDialog("dlg-return");
  if (number) { find.number.value = number; loadReturn(number); }
}
async function loadReturn(number) {
  const r = await api("GET", `/sales/by-number/${encodeURIComponent(number.trim())}`);
  if (!r.ok) { dialogError("dlg-return", r.status === 404 ? T.not_found : errorText(r)); return; }
  returnSale = r.data;
  const back = await api("GET", `/sales/${r.data.id}/returns`);
  $("#return-sale").textContent = `${r.data.number} · ${rp(r.data.total)}${r.data.member_no ? " · " + r.data.member_no : ""}`;
  const body = $("#return-lines");
  body.textContent = "";
  const returned = {}; // thousandths per product
  if (back.ok) back.data.items.forEach((ret) => ret.lines.forEach((l) => {
    returned[l.product_id] = (returned[l.product_id] || 0) + thousandths(l.quantity);
  }));
  // in the receipt's order (a Map keeps it; an object would sort the product ids)
  const byProduct = new Map();
  r.data.lines.forEach((l) => {
    if (!byProduct.has(l.product_id)) byProduct.set(l.product_id, { name: l.name, sold: 0, unit: l.unit });
    byProduct.get(l.product_id).sold += thousandths(l.quantity);
  });
  // "As paid" names how it was paid
  const paidBy = [...new Set((r.data.payments || []).map((p) => T.methods[p.method] || p.method))];
  $("#return-form option[value=original]").textContent = paidBy.length ? `${T.as_paid} (${paidBy.join(", ")})` : T.as_paid;
  byProduct.forEach((info, pid) => {
    const tr = document.createElement("tr");
    const back_ = returned[pid] || 0;
    [info.name, window.mart.qty(quantityText(info.sold), info.unit), window.mart.qty(quantityText(back_), info.unit)].forEach((t, i) => {
      const td = document.createElement("td"); td.textContent = t; if (i) td.className = "num"; tr.appendChild(td);
    });
    const td = document.createElement("td");
    const input = document.createElement("input");
    input.name = "q-" + pid; input.inputMode = "decimal"; input.value = "0";
    input.dataset.productId = pid; input.dataset.max = quantityText(info.sold - back_);
    td.appendChild(input); tr.appendChild(td); body.appendChild(tr);
  });
  $("form[data-dialog=return-find]").classList.add("hidden");
  $("#return-form").classList.remove("hidden");
  const first = $("#return-lines input");
  if (first) { first.focus(); first.select(); }
}
$("form[data-dialog=return-find]").addEventListener("submit", (ev) => {
  ev.preventDefault(); loadReturn(ev.target.number.value);
});
$("#return-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const lines = $$("#return-lines input").map((i) => ({ product_id: Number(i.dataset.productId), quantity: parseQty(i.value) }))
    .filter((l) => l.quantity && thousandths(l.quantity) > 0);
  if (!lines.length) return;
  const body = { lines, refund_method: f.refund_method.value, damaged: f.damaged.checked };
  if (f.pin.value) body.approval_pin = f.pin.value;
  if (f.approver.value) body.approver = f.approver.value;
  const r = await api("POST", `/sales/${returnSale.id}/returns`, body);
  if (!r.ok) { dialogError("dlg-return", errorText(r)); return; }
  f.reset();
  closeDialog("dlg-return");
  const how = (r.data.refunds || []).map((x) => `${T.methods[x.method] || x.method} ${rp(x.amount)}`).join(", ");
  message(fmt(T.return_done, { number: r.data.number, amount: rp(r.data.amount) }) + (how ? ` (${how})` : ""));
});
