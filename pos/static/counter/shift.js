// The shift: open one (counting the float), cash in and out, the X report, close it
// (counting the drawer; a large difference needs a manager); reprint the last receipt;
// the printer banner. ``start`` shows the screen for the shift there is (or none).
import { $, $$, T, closeDialog, ctx, dialogError, errorText, fmt, focusScan, message, openDialog, rp } from "./page.js";
import { api } from "./net.js";
import { flushOutbox, outbox, setOutbox } from "./outbox.js";
import { parseRupiah } from "./pricing.js";
import { openReturn } from "./returns.js";
import { loadApprovers } from "./sale.js";
import { render } from "./screen.js";
import { lastSaleId } from "./state.js";

// --- reprint, cash in/out, close -------------------------------------------------
export async function reprint() {
  if (!lastSaleId) { openReturn(); message(T.no_last_sale, "error"); return; }
  const r = await api("POST", `/sales/${lastSaleId}/print`);
  message(r.ok ? T.reprinted : errorText(r), r.ok ? "ok" : "error");
}
$("form[data-dialog=cash]").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const r = await api("POST", `/shifts/${ctx.shift.id}/cash-movements`, {
    kind: f.kind.value, amount: parseRupiah(f.amount.value), reason: f.reason.value,
  });
  if (!r.ok) { dialogError("dlg-cash", errorText(r)); return; }
  f.reset(); closeDialog("dlg-cash"); message(T.cash_done);
});
function denomInputs(container, onChange) {
  container.textContent = "";
  ctx.denominations.forEach((d) => {
    const label = document.createElement("label");
    label.textContent = rp(d).replace("Rp ", "");
    const input = document.createElement("input");
    input.type = "number"; input.min = "0"; input.step = "1"; input.value = "";
    input.inputMode = "numeric"; input.dataset.value = String(d);
    input.setAttribute("data-testid", `denom-${container.dataset.denoms}-${d}`);
    input.addEventListener("input", onChange);
    label.appendChild(input); container.appendChild(label);
  });
}
function denomCounts(container) {
  const counts = {};
  let total = 0;
  $$("input", container).forEach((i) => {
    const n = parseInt(i.value || "0", 10);
    if (n > 0) { counts[i.dataset.value] = n; total += n * Number(i.dataset.value); }
  });
  return { counts, total };
}
const closeDenoms = $("[data-denoms=close]");
denomInputs(closeDenoms, () => { $("#close-total").textContent = rp(denomCounts(closeDenoms).total); });
$("form[data-dialog=close]").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  if (ctx.shift === null) { window.location.reload(); return; }
  const { counts } = denomCounts(closeDenoms);
  const body = { denominations: counts };
  if (f.pin.value) body.approval_pin = f.pin.value;
  if (f.approver.value) body.approver = f.approver.value;
  const r = await api("POST", `/shifts/${ctx.shift.id}/close`, body);
  if (!r.ok) {
    const fields = r.data && r.data.errors && r.data.errors.json;
    if (fields && fields.approval_pin) $("#close-pin").classList.remove("hidden");
    dialogError("dlg-close", errorText(r));
    return;
  }
  const pre = $("#close-report");
  pre.textContent = r.data.text;
  pre.classList.remove("hidden");
  dialogError("dlg-close", `${T.shift_closed} ${T.expected} ${rp(r.data.expected_cash)} · ${T.difference} ${rp(r.data.difference)}`);
  $("#dlg-close [data-error]").classList.add("ok"); // a success reads green, not red
  ctx.shift = null;
  f.querySelector("button[type=submit]").textContent = "OK";
});
$("[data-action=cash]").addEventListener("click", () => openDialog("dlg-cash"));
$("[data-action=x-report]").addEventListener("click", async () => {
  const r = await api("GET", `/shifts/${ctx.shift.id}/report`);
  if (!r.ok) { message(errorText(r), "error"); return; }
  $("#xreport-text").textContent = r.data.text;
  openDialog("dlg-xreport");
  $("#dlg-xreport [data-close]").focus();
});
$("[data-action=x-report-print]").addEventListener("click", async () => {
  const r = await api("POST", `/shifts/${ctx.shift.id}/report/print`);
  if (!r.ok) { dialogError("dlg-xreport", errorText(r)); return; }
  closeDialog("dlg-xreport");
  message(T.reprinted);
});
$("[data-action=close]").addEventListener("click", () => {
  $("#close-report").classList.add("hidden");
  openDialog("dlg-close");
  $("input", closeDenoms).focus();
});

// --- open shift ------------------------------------------------------------------
const openDenoms = $("[data-denoms=open]");
denomInputs(openDenoms, () => { $("#open-float-total").textContent = rp(denomCounts(openDenoms).total); });
$("#open-shift-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const r = await api("POST", "/shifts", {
    register_id: Number(ev.target.register_id.value), opening_float: denomCounts(openDenoms).total,
  });
  if (!r.ok) { message(errorText(r), "error"); return; }
  ctx.shift = { id: r.data.id, register_id: r.data.register_id, register: r.data.register, opening_float: r.data.opening_float };
  start();
});

// --- printer banner --------------------------------------------------------------
let printerWaiting = 0;
async function pollPrinter() {
  if (!ctx.shift) return;
  const r = await api("GET", `/registers/${ctx.shift.register_id}/printer-status`);
  const el = $("#banner-printer");
  if (!r.ok) return;
  const s = r.data;
  const trouble = s.failed > 0 || (s.waiting > 0 && printerWaiting > 0);
  printerWaiting = s.waiting;
  el.classList.toggle("hidden", !trouble);
  if (!trouble) return;
  el.textContent = fmt(T.printer_trouble, { waiting: s.waiting, failed: s.failed, error: s.last_error || "" });
  // The waiting jobs themselves, oldest first: what will come out when the printer is back.
  const list = document.createElement("ul");
  list.className = "printer-jobs";
  list.dataset.testid = "printer-jobs";
  for (const job of s.jobs || []) {
    const li = document.createElement("li");
    const status = T.job_status[job.status] || job.status;
    const what = [T.job_kind[job.kind] || job.kind, job.title].filter(Boolean).join(" · ");
    li.textContent = `#${job.id} ${what}: ${status}` + (job.last_error ? ` (${job.last_error})` : "");
    list.appendChild(li);
  }
  if (s.waiting > (s.jobs || []).length) {
    const li = document.createElement("li");
    li.textContent = fmt(T.more_jobs, { n: s.waiting - s.jobs.length });
    list.appendChild(li);
  }
  el.appendChild(list);
}

// --- start -----------------------------------------------------------------------
export function start() {
  const info = $("#shift-info");
  if (!ctx.shift) {
    $("#sale").classList.add("hidden");
    $("#open-shift").classList.remove("hidden");
    const sel = $("#open-register");
    sel.textContent = "";
    ctx.registers.forEach((r) => {
      const o = document.createElement("option");
      o.value = r.id; o.textContent = `${r.code} · ${r.name}${r.busy ? " (" + T.busy + ")" : ""}`;
      o.disabled = r.busy; sel.appendChild(o);
    });
    info.textContent = "";
    return;
  }
  $("#open-shift").classList.add("hidden");
  $("#sale").classList.remove("hidden");
  info.textContent = fmt(T.shift, { id: ctx.shift.id, register: ctx.shift.register, user: ctx.user });
  $("#display-link").href = `/pos/display/${ctx.shift.register}`;
  render();
  loadApprovers();
  setOutbox(outbox());
  if (outbox().length) flushOutbox();
  pollPrinter();
  setInterval(pollPrinter, 10000);
  focusScan();
}
