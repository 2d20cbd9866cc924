// The page the cashier screen runs in: its context and texts (from the template), DOM
// helpers, the message banner and the dialogs.
const root = document.getElementById("pos");
export const ctx = JSON.parse(root.dataset.context);
export const T = JSON.parse(root.dataset.i18n);
export const $ = (sel, el) => (el || document).querySelector(sel);
export const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));
export const rp = (n) => window.mart.rupiah(Math.round(n || 0));
export const fmt = (s, args) => s.replace(/%\((\w+)\)s/g, (_, k) => (args && k in args ? args[k] : ""));

export function uuid4() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function errorText(r) {
  if (!r || !r.data) return T.error;
  let text = r.data.message || T.error;
  const fields = r.data.errors && r.data.errors.json;
  if (fields) {
    const flat = [];
    const walk = (o, prefix) => {
      for (const [k, v] of Object.entries(o)) {
        if (Array.isArray(v)) flat.push(`${prefix}${k}: ${v.join(" ")}`);
        else if (v && typeof v === "object") walk(v, `${prefix}${k}.`);
      }
    };
    walk(fields, "");
    if (flat.length) text += " (" + flat.join("; ") + ")";
  }
  return text;
}

let messageTimer = null;
export function message(text, kind) {
  const el = $("#banner-message");
  el.textContent = text;
  el.className = "banner " + (kind === "error" ? "banner-error" : "banner-ok");
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => el.classList.add("hidden"), kind === "error" ? 8000 : 4000);
}

// --- focus and dialogs -------------------------------------------------------------
export function focusScan() {
  if (document.querySelector("dialog[open]")) return;
  const scan = $("#scan");
  if (scan && !$("#sale").classList.contains("hidden")) scan.focus();
}
export function openDialog(id) {
  const d = document.getElementById(id);
  $$("[data-error]", d).forEach((e) => { e.textContent = ""; });
  if (!d.open) d.showModal();
  const input = $("input:not([type=radio]):not([type=checkbox]):not([type=hidden])", d);
  if (input) { input.focus(); input.select && input.select(); }
  return d;
}
export function closeDialog(id) {
  const d = document.getElementById(id);
  if (d.open) d.close();
  focusScan();
}
export function dialogError(id, text) {
  const e = $(`#${id} [data-error]`);
  if (e) { e.textContent = text; e.classList.remove("ok"); }
}
$$("dialog").forEach((d) => {
  d.addEventListener("close", focusScan);
  $$("[data-close]", d).forEach((b) => b.addEventListener("click", () => closeDialog(d.id)));
});
