// The cashier screen (an ES module, no build step; its parts in counter/):
//   page.js     the page's context and texts, DOM helpers, messages, dialogs
//   pricing.js  money as the server counts it: integer rupiah, thousandths, half up
//   net.js      calls to the API and whether the server answers
//   state.js    the sale (kept in localStorage), its lines' amounts and totals
//   screen.js   the sale on the screen and on the customer display; the next customer
//   outbox.js   sales kept while the server was away, sent again with the same id
//   scan.js     scanning (online, from memory, from the offline catalogue)
//   sale.js     quantity, member, discount (manager's approval), suspend and resume
//   payment.js  the payment dialog, the member's PIN, sending the sale
//   returns.js  returns
//   shift.js    open and close the shift, cash in/out, X report, reprint, printer
//   promotions.js  running promotions priced as the server does (issue 15)
// This file wires the keys. Keyboard first: the scan field always has the focus; a USB
// scanner types the code and Enter. The service worker (sw.js) keeps these files for a
// reload while the server is away: a new module is added to its list.
import { $, $$, T, ctx, focusScan, openDialog } from "./counter/page.js";
import { openPay } from "./counter/payment.js";
import { openReturn } from "./counter/returns.js";
import { onScan } from "./counter/scan.js";
import { openResume, suspendSale } from "./counter/sale.js";
import { api } from "./counter/net.js";
import { setPromotions } from "./counter/promotions.js";
import { removeLine, render, resetSale } from "./counter/screen.js";
import { reprint, start } from "./counter/shift.js";
import { select, selected, state } from "./counter/state.js";

// --- keys ------------------------------------------------------------------------
let scanChain = Promise.resolve();
const KEYS = {
  F2: () => openDialog("dlg-qty"),
  F3: () => openDialog("dlg-member"),
  F4: () => openDialog("dlg-discount"),
  F8: () => { scanChain = scanChain.then(openPay); },
  F9: () => suspendSale(),
  F10: () => openResume(),
  F11: () => openReturn(),
  F12: () => reprint(),
  Delete: () => removeLine(selected >= 0 ? selected : state.lines.length - 1),
  Escape: () => { if (state.lines.length && window.confirm(T.cancel_sale)) resetSale(); },
};
document.addEventListener("keydown", (ev) => {
  const open = document.querySelector("dialog[open]");
  if (open) return; // a dialog handles its own keys (Esc closes it)
  if (!ctx.shift) return;
  if (KEYS[ev.key]) {
    if (ev.key === "Delete" && ev.target.id === "scan" && ev.target.value) return;
    ev.preventDefault();
    KEYS[ev.key]();
  } else if (ev.key === "ArrowUp" || ev.key === "ArrowDown") {
    if (!state.lines.length) return;
    ev.preventDefault();
    select(Math.max(0, Math.min(state.lines.length - 1, selected + (ev.key === "ArrowUp" ? -1 : 1))));
    render();
  }
});
$$("#keys button[data-key]").forEach((b) => b.addEventListener("click", () => KEYS[b.dataset.key]()));
$("#scan-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = $("#scan");
  const text = input.value;
  input.value = "";
  // A scanner is faster than the server: handle scans one after another, in order.
  scanChain = scanChain.then(() => onScan(text)).catch(() => {});
});
// After any click or tap outside a dialog (an on-screen key, a line, the empty page)
// the scan field takes the focus back: a scanner types into whatever has it, and its
// Enter would press the button again. Deferred, so the key's own action runs first.
document.addEventListener("click", (ev) => {
  if (!ev.target.closest("dialog, input, select, textarea, a")) setTimeout(focusScan, 0);
});
setInterval(() => { if (document.activeElement === document.body) focusScan(); }, 500);

start();
// issue 15: the running promotions, now and every minute (kept for offline use)
async function refreshPromotions() {
  const r = await api("GET", "/promotions/counter");
  if (r.ok && Array.isArray(r.data)) { setPromotions(r.data); render(); }
}
refreshPromotions();
setInterval(refreshPromotions, 60000);
