// The dialogs that change the sale: quantity (F2), member (F3), discount (F4, with a
// manager's approval above the limit); suspend (F9) and resume (F10); the managers who
// may approve.
import { $, $$, T, closeDialog, ctx, dialogError, errorText, message, openDialog, rp, uuid4 } from "./page.js";
import { api } from "./net.js";
import { abovePercent, parseQty, parseRupiah, percentOf, thousandths } from "./pricing.js";
import { render, resetSale } from "./screen.js";
import {
  approval, lineAmount, replaceSale, selected, setApproval, setPendingQty, state, totals,
} from "./state.js";

// --- quantity --------------------------------------------------------------------
$("form[data-dialog=qty]").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = parseQty(ev.target.qty.value);
  if (!q || thousandths(q) <= 0) return;
  if (selected >= 0 && state.lines[selected] && !state.lines[selected].count) {
    state.lines[selected].quantity = q;
  } else {
    setPendingQty(q);
  }
  closeDialog("dlg-qty");
  render();
});

// --- member ----------------------------------------------------------------------
$("form[data-dialog=member]").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const code = ev.target.code.value.trim();
  const r = await api("GET", `/pos/member?code=${encodeURIComponent(code)}`);
  if (!r.ok) { dialogError("dlg-member", r.status === 404 ? T.not_found : errorText(r)); return; }
  if (r.data.status !== "active") { dialogError("dlg-member", T.member_left); return; }
  state.member = r.data;
  ev.target.code.value = "";
  closeDialog("dlg-member");
  render();
});
$("[data-action=member-clear]").addEventListener("click", () => {
  state.member = null; closeDialog("dlg-member"); render();
});

// --- discount --------------------------------------------------------------------
// A discount above the limit is approved when it is given (a manager's PIN in this
// dialog), not at payment. The approval lives in memory only (state.approval).
function discountNeedsApproval() {
  if (ctx.is_manager) return false;
  const limit = Number(ctx.discount_limit);
  const t = totals();
  if (t.subtotal && abovePercent(t.discount - t.promotion, t.subtotal, limit)) return true;
  return state.lines.some((l) => {
    const gross = lineAmount(l).gross;
    return gross && abovePercent(l.discount || 0, gross, limit);
  });
}
// Ask a manager's approval inside dialog ``id`` (its PIN field, hidden until needed);
// resolves to the approval's fields, or null while it is not given (the dialog says why).
async function askApproval(id) {
  const d = document.getElementById(id);
  const label = d.querySelector("[id$=-pin]");
  const pin = d.querySelector("input[name=pin]");
  if (label.classList.contains("hidden") || !pin.value) {
    label.classList.remove("hidden");
    dialogError(id, T.pin_needed);
    pin.focus();
    return null;
  }
  const given = { approval_pin: pin.value };
  const chosen = d.querySelector("select[name=approver]");
  if (chosen && chosen.value) given.approver = chosen.value;
  // Emptied as it is sent: a PIN typed again while this one is checked is kept.
  pin.value = "";
  const r = await api("POST", "/pos/approvals/check", given);
  if (!r.ok) { dialogError(id, errorText(r)); pin.focus(); return null; }
  label.classList.add("hidden");
  return given;
}
let discountBusy = false; // one discount at a time: a PIN check may be on its way
$("form[data-dialog=discount]").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (discountBusy) return;
  discountBusy = true;
  try { await giveDiscount(ev.target); } finally { discountBusy = false; }
});
// "10%" of the line's gross (or of the sale after its line discounts), or rupiah;
// whole rupiah, halves up, never above what it is taken from.
async function giveDiscount(f) {
  const raw = f.amount.value.trim();
  const scope = f.scope.value;
  const base = scope === "line" && state.lines[selected] ? lineAmount(state.lines[selected]).gross
    : totals().subtotal - totals().promotion - state.lines.reduce((s, l) => s + (l.discount || 0), 0);
  let amount = raw.endsWith("%") ? percentOf(base, raw.slice(0, -1)) : parseRupiah(raw);
  if (!Number.isFinite(amount) || amount < 0) return;
  amount = Math.min(amount, base);
  const line = scope === "line" && state.lines[selected] ? state.lines[selected] : null;
  const before = line ? line.discount : state.discount;
  if (line) line.discount = amount; else state.discount = amount;
  if (!approval && discountNeedsApproval()) {
    const given = await askApproval("dlg-discount");
    if (!given) {
      if (line) line.discount = before; else state.discount = before;
      return;
    }
    setApproval(given);
  }
  f.amount.value = "";
  closeDialog("dlg-discount");
  render();
}

// --- suspend / resume ------------------------------------------------------------
export async function suspendSale() {
  if (!state.lines.length) { message(T.no_lines, "error"); return; }
  const label = state.member ? state.member.name : `${state.lines.length} × ${rp(totals().total)}`;
  const r = await api("POST", `/registers/${ctx.shift.register_id}/suspended`, { label, payload: state });
  if (r.ok) { resetSale(); message(T.suspended); } else message(errorText(r), "error");
}
export async function openResume() {
  const r = await api("GET", `/registers/${ctx.shift.register_id}/suspended`);
  if (!r.ok) { message(errorText(r), "error"); return; }
  if (!r.data.items.length) { message(T.nothing_suspended); return; }
  const list = $("#resume-list");
  list.textContent = "";
  r.data.items.forEach((s) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button"; b.className = "secondary outline";
    b.textContent = `${new Date(s.created_at).toLocaleTimeString()} · ${s.label}`;
    b.addEventListener("click", async () => {
      const rr = await api("POST", `/suspended/${s.id}/resume`);
      closeDialog("dlg-resume");
      if (!rr.ok) { message(errorText(rr), "error"); return; }
      if (state.lines.length) await suspendSale();
      replaceSale(rr.data.payload); state.id = state.id || uuid4();
      render();
    });
    li.appendChild(b); list.appendChild(li);
  });
  openDialog("dlg-resume");
  $("#resume-list button").focus();
}

// --- approvals name a person: the manager picks their name, then types the PIN ----
export async function loadApprovers() {
  const r = await api("GET", "/auth/approvers");
  if (!r.ok) return;
  $$("select[data-approvers]").forEach((sel) => {
    r.data.forEach((a) => {
      const o = document.createElement("option");
      o.value = a.username; o.textContent = a.full_name || a.username;
      sel.appendChild(o);
    });
  });
}
