// Scanning. Keyboard first: the scan field always has the focus; a USB scanner types
// the code and Enter. "3*code" sells 3; a receipt's number opens its return; a member
// number sets the member. While the server is away a code sells from what this screen
// has seen (pos.scans) or from the catalogue in IndexedDB (offline.js).
import { $, T, closeDialog, errorText, fmt, message, openDialog, rp } from "./page.js";
import { api, online } from "./net.js";
import { scanLine } from "./packs.js";
import { divHalfUp, quantityText, thousandths } from "./pricing.js";
import { openReturn } from "./returns.js";
import { clearDisplayExtra, render } from "./screen.js";
import { pendingQty, select, setPendingQty, state } from "./state.js";

const KEY_SCANS = "pos.scans"; // the codes this screen has looked up, for scanning offline
const SCANS_KEPT = 3000;

export async function onScan(text) {
  text = text.trim();
  if (!text) return;
  const mult = text.match(/^(\d+(?:[.,]\d{1,3})?)\*(.*)$/);
  if (mult) {
    setPendingQty(mult[1].replace(",", "."));
    text = mult[2].trim();
    render();
    if (!text) return;
  }
  if (/^[A-Z0-9]+-[A-Z0-9]+-\d{6}$/i.test(text)) {
    openReturn(text.toUpperCase());
    return;
  }
  // A member card's barcode or the QR on the member's phone: the member number.
  if (online && /^M\d{6,}$/i.test(text) && await scanMember(text.toUpperCase())) return;
  // Known offline: the catalogue on this screen answers at once (no network wait).
  const r = !online && window.posOffline
    ? { ok: false, status: 0, offline: true }
    : await api("GET", `/pos/scan?code=${encodeURIComponent(text)}`);
  if (r.ok) {
    addLine(r.data);
    rememberScan(text, r.data);
  } else if (r.status === 404 && !/^\d+$/.test(text)) {
    searchProducts(text);
  } else if (r.offline || r.status >= 500) {
    // The server does not answer: a code this screen has seen before still sells (at
    // its last known price; the sale is sent when the server is back).
    const known = knownScans().get(text);
    const local = known ? null : await offlineLookup(text);
    if (known) {
      addLine(known);
      message(fmt(T.scan_from_memory, { name: known.product.name }), "error");
    } else if (local) {
      addLine(local);
      message(fmt(window.posOffline.strings.from_catalogue, { name: local.product.name }), "error");
    } else {
      message(fmt(T.scan_offline, { code: text }), "error");
    }
  } else {
    message(r.status === 404 ? fmt(T.unknown_code, { code: text }) : errorText(r), "error");
  }
}
async function offlineLookup(code) {
  if (!window.posOffline) return null;
  try { return await window.posOffline.lookup(code); } catch (e) { return null; }
}
async function scanMember(code) {
  const r = await api("GET", `/pos/member?code=${encodeURIComponent(code)}`);
  if (r.status === 404) return false; // not a member: perhaps a product's code
  if (!r.ok) { message(errorText(r), "error"); return true; }
  if (r.data.status !== "active") { message(T.member_left, "error"); return true; }
  state.member = r.data;
  render();
  message(fmt(T.member_set, { name: r.data.name, number: r.data.member_no }));
  return true;
}

// Codes looked up while the server answered, oldest first (a Map keeps insertion
// order; an object would sort 8-digit codes as numbers). Saved a second after the
// last scan, not on every scan: serialising 3,000 entries is not free.
let scans = null;
let scansSave = null;
function knownScans() {
  if (scans === null) {
    try { scans = new Map(JSON.parse(localStorage.getItem(KEY_SCANS)) || []); } catch (e) { scans = new Map(); }
  }
  return scans;
}
function rememberScan(code, scan) {
  const known = knownScans();
  const p = scan.product;
  known.delete(code); // set again last: the oldest codes are the first dropped
  known.set(code, {
    code: scan.code, quantity: scan.quantity, price: scan.price, pack: scan.pack || null,
    product: { id: p.id, name: p.name, unit: p.unit, price: p.price, member_price: p.member_price, tiers: p.tiers },
  });
  for (const old of known.keys()) {
    if (known.size <= SCANS_KEPT) break;
    known.delete(old);
  }
  clearTimeout(scansSave);
  scansSave = setTimeout(() => {
    try { localStorage.setItem(KEY_SCANS, JSON.stringify([...known])); } catch (e) { /* storage full: no memory */ }
  }, 1000);
}

// A scanned product becomes a line (or adds to the same product's plain line). A scale
// label's weight or price makes its own line, counted in labels (``count``, what the
// sale sends); its quantity is worked out as _priced_lines does, in thousandths.
function addLine(scan) {
  clearDisplayExtra(); // the last customer's change leaves the display
  $("#last-change").classList.add("hidden"); // and the cashier's screen
  const p = scan.product;
  const qty = pendingQty || "1";
  setPendingQty(null);
  const line = scanLine({
    product_id: p.id, code: scan.code || null, name: p.name, unit: p.unit,
    price: p.price, member_price: p.member_price, discount: 0, quantity: qty,
  }, scan);
  if (scan.quantity) {
    line.quantity = quantityText(divHalfUp(thousandths(scan.quantity) * thousandths(qty), 1000));
    line.count = qty;
  }
  if (scan.price != null && !scan.quantity) {
    line.fixed_price = scan.price;
    line.count = qty;
    if (p.price) line.quantity = quantityText(divHalfUp(scan.price * thousandths(qty), p.price));
  }
  const same = state.lines.findIndex((l) => l.product_id === p.id && !l.count && !line.count && !l.discount
    && (l.pack || {}).name === (line.pack || {}).name);
  if (same >= 0 && !line.count) {
    state.lines[same].quantity = quantityText(thousandths(state.lines[same].quantity) + thousandths(qty));
    select(same);
  } else {
    state.lines.push(line);
    select(state.lines.length - 1);
  }
  render();
}

async function searchProducts(q) {
  const r = await api("GET", `/pos/products?q=${encodeURIComponent(q)}`);
  const list = $("#search-results");
  list.textContent = "";
  if (!r.ok || !r.data.items.length) {
    message(fmt(T.unknown_code, { code: q }), "error");
    return;
  }
  r.data.items.forEach((p) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button"; b.className = "secondary outline";
    b.textContent = `${p.name} · ${rp(p.price)}`;
    b.addEventListener("click", () => { closeDialog("dlg-search"); addLine({ product: p, code: null }); });
    li.appendChild(b); list.appendChild(li);
  });
  openDialog("dlg-search");
  const first = $("button", list);
  if (first) first.focus();
}
