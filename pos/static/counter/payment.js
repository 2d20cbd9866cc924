// Payment (F8): cash (rounded to the branch's unit), QRIS, card, transfer, simpanan
// (with the member's own PIN, typed here or on the customer display), split between
// them; the sale is sent, or kept in the outbox while the server is away.
import { $, $$, T, closeDialog, ctx, dialogError, errorText, fmt, message, openDialog, rp } from "./page.js";
import { api } from "./net.js";
import { keepSale } from "./outbox.js";
import { cashDue, parseRupiah, upToNote } from "./pricing.js";
import { displayExtra, onReset, pushDisplay, resetSale } from "./screen.js";
import { approval, rememberLast, setApproval, state, totals } from "./state.js";

let payments = [];
onReset(() => {
  stopPinWait(true);
  payments = [];
});

function payForm() { return $("form[data-dialog=pay]"); }
function method() { return payForm().method.value; }
function payTotals() {
  const t = totals();
  const noncash = payments.filter((p) => p.method !== "cash").reduce((s, p) => s + p.amount, 0);
  const cash = payments.filter((p) => p.method === "cash").reduce((s, p) => s + p.amount, 0);
  const due = cash || method() === "cash" ? noncash + cashDue(t.total, noncash, ctx.rounding || 0) : t.total;
  return { total: t.total, due, paid: noncash + cash, left: Math.max(due - noncash - cash, 0) };
}
function renderPay() {
  const pt = payTotals();
  // Once a payment is listed, the heading says what is still to pay ("Rp 0" alone
  // read as a payment of nothing).
  $("#pay-due").textContent = payments.length ? fmt(T.pay_left, { amount: rp(pt.left) }) : rp(pt.left);
  const list = $("#pay-list");
  list.textContent = "";
  payments.forEach((p, i) => {
    const li = document.createElement("li");
    li.textContent = `${T.methods[p.method] || p.method} ${rp(p.amount)}${p.reference ? " (" + p.reference + ")" : ""} `;
    const x = document.createElement("button");
    x.type = "button"; x.className = "secondary outline small"; x.textContent = "×";
    x.addEventListener("click", () => { payments.splice(i, 1); stopPinWait(true); renderPay(); });
    li.appendChild(x); list.appendChild(li);
  });
  const m = method();
  $("#ref-label").classList.toggle("hidden", m === "cash" || PIN_METHODS.includes(m));
  $("#member-pin-label").classList.toggle("hidden", !needsMemberPin());
  const quick = $("#quick-cash");
  quick.textContent = "";
  if (m === "cash") {
    const left = pt.left;
    const options = new Set([left]);
    for (const note of [5000, 10000, 20000, 50000, 100000]) {
      options.add(upToNote(left, note));
    }
    [...options].filter((v) => v > 0).sort((a, b) => a - b).slice(0, 5).forEach((v) => {
      const b = document.createElement("button");
      b.type = "button"; b.className = "secondary outline small"; b.textContent = rp(v);
      b.addEventListener("click", () => { payForm().amount.value = String(v); payForm().amount.focus(); });
      quick.appendChild(b);
    });
  }
  const bal = $("#simpanan-balance");
  const showBalance = m === "simpanan" && state.member && state.member.sukarela != null;
  // for credit: the member's credit still available (limit - owed), where simpanan shows the balance
  const showCredit = m === "credit" && state.member && state.member.credit_available != null;
  bal.classList.toggle("hidden", !showBalance && !showCredit);
  if (showBalance) bal.textContent = fmt(T.sukarela_balance, { amount: rp(state.member.sukarela) });
  if (showCredit) bal.textContent = fmt(T.credit_available, { amount: rp(state.member.credit_available) });
  const box = $("#qris-box");
  box.classList.toggle("hidden", m !== "qris");
  if (m === "qris" && ctx.qris && pt.left > 0) showQris(pt.left);
  pushDisplay({ qris_amount: m === "qris" && ctx.qris ? pt.left : null });
}
async function showQris(amount) {
  const box = $("#qris-box");
  if (box.dataset.amount === String(amount)) return;
  box.dataset.amount = String(amount);
  const r = await api("GET", `/qris?amount=${amount}`);
  box.textContent = "";
  if (r.ok) {
    const img = document.createElement("img");
    img.alt = "QRIS";
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(r.data.svg);
    box.appendChild(img);
  } else {
    box.textContent = errorText(r);
  }
}
// Paying from simpanan needs the member's own PIN (typed by the member, masked,
// sent once with the sale and never stored on this screen).
// Credit (the member's purchase on credit, issue 15) needs it too.
const PIN_METHODS = ["simpanan", "credit"];
function needsMemberPin() {
  return PIN_METHODS.includes(method()) || payments.some((p) => PIN_METHODS.includes(p.method));
}
export function openPay() {
  if (!state.lines.length) { message(T.no_lines, "error"); return; }
  payments = [];
  const f = payForm();
  f.reset();
  $("#pin-label").classList.add("hidden");
  $("#member-pin-label").classList.add("hidden");
  $("#qris-box").dataset.amount = "";
  openDialog("dlg-pay");
  renderPay();
  f.amount.value = "";
  f.amount.focus();
}
function takeTypedPayment() {
  const f = payForm();
  const m = method();
  let amount = parseRupiah(f.amount.value);
  const pt = payTotals();
  if (!Number.isFinite(amount) || f.amount.value.trim() === "") amount = pt.left;
  if (amount <= 0) return true;
  payments.push({ method: m, amount, reference: f.reference.value.trim() || null });
  f.amount.value = ""; f.reference.value = "";
  return true;
}
document.getElementById("dlg-pay").addEventListener("close", () => {
  if (displayExtra.qris_amount) pushDisplay({});
  stopPinWait(true);
});

// The member types the PIN on the customer display when one is in use on this
// register (pos.pinpad): the screen asks the server, which shows the display's PIN
// pad, waits for the member's approval and sends the sale with it. The approval's
// token stays in this page's memory only. Without a display: the masked field here.
let pinWait = null; // {token, body, timer}
function stopPinWait(cancel) {
  if (!pinWait) return;
  clearTimeout(pinWait.timer);
  if (cancel && !pinWait.done) api("DELETE", `/member-pin-requests/${encodeURIComponent(pinWait.token)}`);
  pinWait = null;
  $("#member-pin-wait").classList.add("hidden");
}
async function askDisplayPin(body) {
  stopPinWait(true);
  const pinPays = body.payments.filter((p) => PIN_METHODS.includes(p.method));
  const amount = pinPays.reduce((a, p) => a + p.amount, 0);
  // what the display's PIN pad says it pays: simpanan sukarela, member credit, or both
  const kinds = new Set(pinPays.map((p) => p.method));
  const pinMethod = kinds.size > 1 ? "both" : kinds.has("credit") ? "credit" : "simpanan";
  const r = await api("POST", `/registers/${ctx.shift.register_id}/member-pin-requests`,
    { member_no: body.member_no, amount, method: pinMethod });
  if (!r.ok) return false;
  if (!r.data.display_active) {
    // no display on this register: the request goes, the member types it here
    api("DELETE", `/member-pin-requests/${encodeURIComponent(r.data.token)}`);
    return false;
  }
  pinWait = { token: r.data.token, body, timer: null, done: false };
  renderPay(); // the simpanan payment is listed while the member types
  const wait = $("#member-pin-wait");
  wait.textContent = T.member_pin_wait;
  wait.classList.remove("hidden");
  $("#member-pin-label").classList.remove("hidden");
  dialogError("dlg-pay", "");
  pollPinWait(pinWait);
  return true;
}
async function pollPinWait(wait) {
  if (pinWait !== wait) return;
  const r = await api("GET", `/member-pin-requests/${encodeURIComponent(wait.token)}`);
  if (pinWait !== wait) return;
  const status = r.ok ? r.data.status : null;
  if (status === "approved") {
    wait.done = true;
    const body = Object.assign({}, wait.body, { member_pin_approval: wait.token });
    stopPinWait(false);
    await submitSale(body);
    return;
  }
  if (status === "pending" || !r.ok) {
    wait.timer = setTimeout(() => pollPinWait(wait), 1000);
    return;
  }
  // expired, cancelled or used: ask again
  stopPinWait(false);
  dialogError("dlg-pay", T.member_pin_expired);
}
$$("form[data-dialog=pay] input[name=method]").forEach((r) => r.addEventListener("change", () => {
  renderPay(); payForm().amount.focus();
}));
$("[data-action=add-payment]").addEventListener("click", () => { takeTypedPayment(); renderPay(); });
payForm().addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = payForm();
  if (f.amount.value.trim() !== "" || !payments.length) takeTypedPayment();
  const body = saleBody();
  if (approval) Object.assign(body, approval);
  if (f.pin.value) body.approval_pin = f.pin.value;
  if (f.approver.value) body.approver = f.approver.value;
  if (body.payments.some((p) => PIN_METHODS.includes(p.method))) {
    if (!f.member_pin.value && pinWait) return; // already waiting for the display
    if (!f.member_pin.value && await askDisplayPin(body)) return;
    if (!f.member_pin.value) {
      payments = []; renderPay();
      $("#member-pin-label").classList.remove("hidden");
      f.member_pin.focus();
      dialogError("dlg-pay", T.member_pin_needed);
      return;
    }
    body.member_pin = f.member_pin.value;
    stopPinWait(true); // typed here after all: the display stops asking
  }
  f.member_pin.value = "";
  await submitSale(body);
});
function saleBody() {
  const body = {
    id: state.id,
    shift_id: ctx.shift.id,
    lines: state.lines.map((l) => {
      const line = { quantity: l.count || l.quantity, discount: l.discount || 0 };
      if (l.code) line.barcode = l.code; else line.product_id = l.product_id;
      return line;
    }),
    payments: payments.map((p) => ({ method: p.method, amount: p.amount, ...(p.reference ? { reference: p.reference } : {}) })),
    discount: state.discount || 0,
    created_at: new Date().toISOString(), // kept by the server when sent late
  };
  if (state.member) body.member_no = state.member.member_no;
  return body;
}
async function submitSale(body) {
  const r = await api("POST", "/sales", body);
  if (r.ok) {
    finished(r.data);
    return;
  }
  if (r.offline || r.status >= 500 || r.status === 0) {
    if (body.member_pin || body.approval_pin || body.member_pin_approval) {
      // A PIN is never stored on this screen, so such a sale cannot wait here.
      payments = []; renderPay();
      dialogError("dlg-pay", T.no_offline_pin);
      return;
    }
    const owing = payTotals();
    if (owing.paid < owing.due) {
      // An underpaid sale would only be refused later, when the customer has gone:
      // it is not kept; what was tendered stays so the cashier adds the rest.
      renderPay();
      dialogError("dlg-pay", fmt(T.underpaid_offline, { amount: rp(owing.due - owing.paid) }));
      return;
    }
    // Keep it; it goes again with the same id when the server answers.
    keepSale(body);
    const pt = payTotals();
    closeDialog("dlg-pay");
    const saved = window.posOffline ? window.posOffline.strings.saved_offline_drawer : T.saved_offline;
    showDone({ number: saved, change: Math.max(pt.paid - pt.due, 0) }, null);
    resetSale();
    return;
  }
  const fields = r.data && r.data.errors && r.data.errors.json;
  if (body.member_pin_approval && (r.status === 403 || r.status === 409 || (fields && fields.member_pin_approval))) {
    // the display's approval was refused (used, expired, another amount...): ask again
    $("#member-pin-label").classList.remove("hidden");
    dialogError("dlg-pay", errorText(r));
    return;
  }
  if (body.member_pin && (r.status === 403 || r.status === 429 || (fields && fields.member_pin))) {
    $("#member-pin-label").classList.remove("hidden");
    payForm().member_pin.focus();
    dialogError("dlg-pay", errorText(r));
    return;
  }
  if ((fields && fields.approval_pin) || r.status === 403) {
    // Only the PIN is missing: what was tendered stays, the cashier adds the PIN.
    setApproval(null);
    renderPay();
    $("#pin-label").classList.remove("hidden");
    payForm().pin.value = "";
    payForm().pin.focus();
    dialogError("dlg-pay", r.status === 403 ? errorText(r) : T.pin_needed);
    return;
  }
  // Anything else: the payments start again, the amount typed comes back to the field.
  const typed = payments.length === 1 ? payments[0].amount : null;
  payments = [];
  renderPay();
  if (typed) payForm().amount.value = String(typed);
  dialogError("dlg-pay", errorText(r));
}
async function finished(sale) {
  rememberLast(sale.id);
  closeDialog("dlg-pay");
  resetSale();
  pushDisplay({ change: sale.change, paid: sale.paid, total: sale.total, message: T.change + " " + rp(sale.change), qris_amount: null });
  showDone(sale, true);
}
async function showDone(sale, receipt) {
  $("#done-change").textContent = rp(sale.change);
  $("#done-number").textContent = sale.number || "";
  const pre = $("#done-receipt");
  pre.textContent = "";
  if (!receipt) {
    pre.classList.add("hidden");
  } else {
    pre.classList.remove("hidden");
    // the receipt endpoint answers text/plain, not JSON: fetch it as text
    const r = await fetch(`/api/v1/sales/${sale.id}/receipt?width=48`, { credentials: "same-origin" });
    pre.textContent = r.ok ? await r.text() : "";
  }
  const last = $("#last-change");
  last.textContent = `${T.change}: ${rp(sale.change)}`;
  last.classList.remove("hidden");
  openDialog("dlg-done");
  $("#dlg-done [data-close]").focus();
}
