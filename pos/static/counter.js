// The cashier screen. Keyboard first: the scan field always has the focus; a USB
// scanner types the code and Enter. A sale that cannot reach the server is kept in
// localStorage and sent again with the same id (the server answers a repeated id
// with the first sale), so nothing is lost and nothing is doubled.
(function () {
  "use strict";
  const root = document.getElementById("pos");
  const ctx = JSON.parse(root.dataset.context);
  const T = JSON.parse(root.dataset.i18n);
  const $ = (sel, el) => (el || document).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));
  const rp = (n) => window.mart.rupiah(Math.round(n || 0));
  const fmt = (s, args) => s.replace(/%\((\w+)\)s/g, (_, k) => (args && k in args ? args[k] : ""));
  const KEY_SALE = "pos.sale." + ctx.user;
  const KEY_OUTBOX = "pos.outbox." + ctx.user;
  const KEY_SCANS = "pos.scans"; // the codes this screen has looked up, for scanning offline
  const SCANS_KEPT = 3000;

  // --- small helpers ---------------------------------------------------------------
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  async function api(method, path, body) {
    try {
      const r = await window.mart.api(method, path, body);
      setOnline(r.status > 0 && r.status < 500);
      return r;
    } catch (e) {
      setOnline(false);
      return { ok: false, status: 0, data: null, offline: true };
    }
  }
  function errorText(r) {
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
  function message(text, kind) {
    const el = $("#banner-message");
    el.textContent = text;
    el.className = "banner " + (kind === "error" ? "banner-error" : "banner-ok");
    clearTimeout(message.timer);
    message.timer = setTimeout(() => el.classList.add("hidden"), kind === "error" ? 8000 : 4000);
  }
  function parseNumber(text) {
    const t = String(text || "").trim().replace(/\./g, "").replace(",", ".");
    return t === "" ? NaN : Number(t);
  }
  function parseQty(text) {
    const t = String(text || "").trim().replace(",", ".");
    return /^\d+(\.\d{1,3})?$/.test(t) ? t : null;
  }

  // --- state -----------------------------------------------------------------------
  let state = loadSale();
  let pendingQty = null;
  let selected = -1;
  const KEY_LAST = "pos.last." + ctx.user; // the last sale's id: F12 reprints it after a reload
  let lastSaleId = localStorage.getItem(KEY_LAST);
  let payments = [];

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
  function saveSale() {
    localStorage.setItem(KEY_SALE, JSON.stringify(state));
  }
  function outbox() {
    try { return JSON.parse(localStorage.getItem(KEY_OUTBOX)) || []; } catch (e) { return []; }
  }
  function setOutbox(items) {
    // Never a PIN in storage (also for sales kept by an older version of this screen).
    items = items.map(({ member_pin, approval_pin, member_pin_approval, ...kept }) => kept); // eslint-disable-line no-unused-vars
    localStorage.setItem(KEY_OUTBOX, JSON.stringify(items));
    $("#outbox-count").textContent = items.length ? fmt(T.waiting, { n: items.length }) : "";
    if (items.length) $("#banner-offline").classList.remove("hidden");
  }

  function lineAmount(line) {
    const unit = line.fixed_price != null ? null
      : (state.member && line.member_price != null ? line.member_price : line.price);
    const gross = line.fixed_price != null ? line.fixed_price * Number(line.count || 1)
      : Math.round(unit * Number(line.quantity));
    // A price label's line shows the product's price per unit (0,5 kg x Rp 30.000 =
    // Rp 15.000), not the label's amount as if it were the price per kg.
    return { unit: unit != null ? unit : line.price, gross, amount: gross - (line.discount || 0) };
  }
  function totals() {
    let gross = 0, disc = 0, items = 0;
    for (const line of state.lines) {
      const a = lineAmount(line);
      // pieces count one by one; a weighed line counts as one item (kg are not pieces)
      gross += a.gross; disc += line.discount || 0; items += line.unit === "kg" ? 1 : Number(line.quantity);
    }
    const discount = disc + (state.discount || 0);
    return { subtotal: gross, discount, total: gross - discount, items };
  }
  function cashDue(total, noncash) {
    const unit = ctx.rounding || 0;
    const cash = total - noncash;
    if (!unit || cash <= 0) return cash;
    return Math.floor((cash + unit / 2) / unit) * unit;
  }

  // --- rendering -------------------------------------------------------------------
  function render() {
    const body = $("#lines");
    body.textContent = "";
    state.lines.forEach((line, i) => {
      const a = lineAmount(line);
      const tr = document.createElement("tr");
      if (i === selected) tr.classList.add("selected");
      const cells = [
        String(i + 1),
        line.name + (state.member && line.member_price != null && line.fixed_price == null ? " · " + T.member_price : ""),
        window.mart.qty(line.quantity, line.unit),
        rp(a.unit),
        line.discount ? "-" + rp(line.discount) : "",
        rp(a.amount),
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
      tr.addEventListener("click", () => { selected = i; render(); });
      body.appendChild(tr);
    });
    $("#empty-sale").classList.toggle("hidden", state.lines.length > 0);
    const t = totals();
    $("#t-items").textContent = window.mart.qty(t.items);
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

  // --- customer display ------------------------------------------------------------
  let displayTimer = null;
  let displayExtra = {};
  function pushDisplay(extra) {
    if (extra !== undefined) displayExtra = extra;
    if (!ctx.shift) return;
    clearTimeout(displayTimer);
    displayTimer = setTimeout(() => {
      const t = totals();
      const lines = state.lines.map((l) => {
        const a = lineAmount(l);
        return { name: l.name, quantity: String(l.quantity), unit: l.unit, amount: a.amount };
      });
      api("PUT", `/registers/${ctx.shift.register_id}/display`, {
        lines: lines.slice(-30), total: t.total,
        member: state.member ? state.member.name : null, ...displayExtra,
      });
    }, 150);
  }

  // --- scanning --------------------------------------------------------------------
  function focusScan() {
    if (document.querySelector("dialog[open]")) return;
    const scan = $("#scan");
    if (scan && !$("#sale").classList.contains("hidden")) scan.focus();
  }
  async function onScan(text) {
    text = text.trim();
    if (!text) return;
    const mult = text.match(/^(\d+(?:[.,]\d{1,3})?)\*(.*)$/);
    if (mult) {
      pendingQty = mult[1].replace(",", ".");
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
      code: scan.code, quantity: scan.quantity, price: scan.price,
      product: { id: p.id, name: p.name, unit: p.unit, price: p.price, member_price: p.member_price },
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
  function addLine(scan) {
    displayExtra = {}; // the last customer's change leaves the display
    $("#last-change").classList.add("hidden"); // and the cashier's screen
    const p = scan.product;
    const qty = pendingQty || "1";
    pendingQty = null;
    const line = {
      product_id: p.id, code: scan.code || null, name: p.name, unit: p.unit,
      price: p.price, member_price: p.member_price, discount: 0, quantity: qty,
    };
    if (scan.quantity) {
      line.quantity = String(Number(scan.quantity) * Number(qty));
      line.count = qty;
    }
    if (scan.price != null && !scan.quantity) {
      line.fixed_price = scan.price;
      line.count = qty;
      line.quantity = String(Math.round((scan.price / p.price) * Number(qty) * 1000) / 1000);
    }
    const same = state.lines.findIndex((l) => l.product_id === p.id && !l.count && !line.count && !l.discount);
    if (same >= 0 && !line.count) {
      state.lines[same].quantity = String(Number(state.lines[same].quantity) + Number(qty));
      selected = same;
    } else {
      state.lines.push(line);
      selected = state.lines.length - 1;
    }
    render();
  }
  function removeLine(i) {
    if (i < 0 || i >= state.lines.length) return;
    state.lines.splice(i, 1);
    selected = Math.min(selected, state.lines.length - 1);
    render();
    focusScan();
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

  // --- dialogs ---------------------------------------------------------------------
  function openDialog(id) {
    const d = document.getElementById(id);
    $$("[data-error]", d).forEach((e) => { e.textContent = ""; });
    if (!d.open) d.showModal();
    const input = $("input:not([type=radio]):not([type=checkbox]):not([type=hidden])", d);
    if (input) { input.focus(); input.select && input.select(); }
    return d;
  }
  function closeDialog(id) {
    const d = document.getElementById(id);
    if (d.open) d.close();
    focusScan();
  }
  $$("dialog").forEach((d) => {
    d.addEventListener("close", focusScan);
    $$("[data-close]", d).forEach((b) => b.addEventListener("click", () => closeDialog(d.id)));
  });
  function dialogError(id, text) {
    const e = $(`#${id} [data-error]`);
    if (e) { e.textContent = text; e.classList.remove("ok"); }
  }

  // quantity
  $("form[data-dialog=qty]").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = parseQty(ev.target.qty.value);
    if (!q || Number(q) <= 0) return;
    if (selected >= 0 && state.lines[selected] && !state.lines[selected].count) {
      state.lines[selected].quantity = q;
    } else {
      pendingQty = q;
    }
    closeDialog("dlg-qty");
    render();
  });

  // member
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

  // discount: a discount above the limit is approved when it is given (a manager's PIN
  // in this dialog), not at payment. The approval lives in memory only, never saved.
  let approval = null; // the fields the sale sends for it, e.g. {approval_pin}
  function discountNeedsApproval() {
    if (ctx.is_manager) return false;
    const limit = Number(ctx.discount_limit);
    const t = totals();
    if (t.subtotal && (t.discount * 100) / t.subtotal > limit) return true;
    return state.lines.some((l) => {
      const gross = lineAmount(l).gross;
      return gross && ((l.discount || 0) * 100) / gross > limit;
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
    const r = await api("POST", "/pos/approvals/check", given);
    pin.value = "";
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
  async function giveDiscount(f) {
    const raw = f.amount.value.trim();
    const scope = f.scope.value;
    const base = scope === "line" && state.lines[selected] ? lineAmount(state.lines[selected]).gross
      : totals().subtotal - state.lines.reduce((s, l) => s + (l.discount || 0), 0);
    let amount = raw.endsWith("%") ? Math.round((base * parseNumber(raw.slice(0, -1))) / 100) : parseNumber(raw);
    if (!Number.isFinite(amount) || amount < 0) return;
    amount = Math.min(Math.round(amount), base);
    const line = scope === "line" && state.lines[selected] ? state.lines[selected] : null;
    const before = line ? line.discount : state.discount;
    if (line) line.discount = amount; else state.discount = amount;
    if (!approval && discountNeedsApproval()) {
      const given = await askApproval("dlg-discount");
      if (!given) {
        if (line) line.discount = before; else state.discount = before;
        return;
      }
      approval = given;
    }
    f.amount.value = "";
    closeDialog("dlg-discount");
    render();
  }

  // --- payment ---------------------------------------------------------------------
  function payForm() { return $("form[data-dialog=pay]"); }
  function method() { return payForm().method.value; }
  function payTotals() {
    const t = totals();
    const noncash = payments.filter((p) => p.method !== "cash").reduce((s, p) => s + p.amount, 0);
    const cash = payments.filter((p) => p.method === "cash").reduce((s, p) => s + p.amount, 0);
    const due = cash || method() === "cash" ? noncash + cashDue(t.total, noncash) : t.total;
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
    $("#ref-label").classList.toggle("hidden", m === "cash" || m === "simpanan");
    $("#member-pin-label").classList.toggle("hidden", !needsMemberPin());
    const quick = $("#quick-cash");
    quick.textContent = "";
    if (m === "cash") {
      const left = pt.left;
      const options = new Set([left]);
      for (const note of [5000, 10000, 20000, 50000, 100000]) {
        options.add(Math.ceil(left / note) * note);
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
    bal.classList.toggle("hidden", !showBalance);
    if (showBalance) bal.textContent = fmt(T.sukarela_balance, { amount: rp(state.member.sukarela) });
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
  function needsMemberPin() {
    return method() === "simpanan" || payments.some((p) => p.method === "simpanan");
  }
  function openPay() {
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
    let amount = parseNumber(f.amount.value);
    const pt = payTotals();
    if (!Number.isFinite(amount) || f.amount.value.trim() === "") amount = pt.left;
    amount = Math.round(amount);
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
    const amount = body.payments.filter((p) => p.method === "simpanan").reduce((a, p) => a + p.amount, 0);
    const r = await api("POST", `/registers/${ctx.shift.register_id}/member-pin-requests`,
      { member_no: body.member_no, amount });
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
    if (body.payments.some((p) => p.method === "simpanan")) {
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
      const box = outbox();
      const kept = Object.assign({}, body);
      delete kept.approval_pin; // a PIN never goes into storage
      delete kept.member_pin;
      delete kept.member_pin_approval;
      if (!box.some((b) => b.id === body.id)) box.push(kept);
      setOutbox(box);
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
      approval = null;
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
  function rememberLast(id) {
    lastSaleId = id;
    try { localStorage.setItem(KEY_LAST, id); } catch (e) { /* storage full: memory only */ }
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
  function resetSale() {
    stopPinWait(true);
    state = newSale();
    approval = null;
    payments = [];
    selected = -1;
    pendingQty = null;
    displayExtra = {};
    render();
  }

  // --- approvals name a person: the manager picks their name, then types the PIN ----
  async function loadApprovers() {
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

  // --- the outbox: sales kept while the server was away ----------------------------
  let online = true;
  function setOnline(value) {
    if (value === online) return;
    online = value;
    const badge = $("#net-status");
    badge.textContent = value ? T.online : T.offline;
    badge.className = "badge " + (value ? "ok" : "bad");
    $("#banner-offline").classList.toggle("hidden", value && !outbox().length);
    if (value) flushOutbox();
  }
  let flushing = false;
  async function flushOutbox() {
    if (flushing) return;
    flushing = true;
    try {
      let box = outbox();
      while (box.length) {
        const body = box[0];
        let r;
        try {
          r = await window.mart.api("POST", "/sales", body);
        } catch (e) {
          online = false;
          $("#banner-offline").classList.remove("hidden");
          return;
        }
        if (r.status >= 500 || r.status === 0) return;
        if ([400, 401, 419, 429].includes(r.status)) {
          // Not a verdict on the sale (a page kept from before, a login gone): it stays
          // kept; a fresh page (with a fresh token) sends it.
          const last = Number(sessionStorage.getItem("pos.reloaded") || 0);
          if (r.status === 400 && Date.now() - last > 60000) {
            sessionStorage.setItem("pos.reloaded", String(Date.now()));
            location.reload();
          }
          return;
        }
        box = outbox().filter((b) => b.id !== body.id);
        setOutbox(box);
        if (r.ok && window.posOffline) {
          rememberLast(r.data.id);
          message(fmt(window.posOffline.strings.sent_drawer, { number: r.data.number }));
        } else if (r.ok) { rememberLast(r.data.id); message(fmt(T.sent_later, { number: r.data.number })); }
        else message(errorText(r), "error");
      }
      $("#banner-offline").classList.add("hidden");
    } finally {
      flushing = false;
    }
  }
  setInterval(() => { if (outbox().length) flushOutbox(); }, 5000);

  // --- suspend / resume ------------------------------------------------------------
  async function suspendSale() {
    if (!state.lines.length) { message(T.no_lines, "error"); return; }
    const label = state.member ? state.member.name : `${state.lines.length} × ${rp(totals().total)}`;
    const r = await api("POST", `/registers/${ctx.shift.register_id}/suspended`, { label, payload: state });
    if (r.ok) { resetSale(); message(T.suspended); } else message(errorText(r), "error");
  }
  async function openResume() {
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
        state = rr.data.payload; state.id = state.id || uuid4();
        render();
      });
      li.appendChild(b); list.appendChild(li);
    });
    openDialog("dlg-resume");
    $("#resume-list button").focus();
  }

  // --- returns ---------------------------------------------------------------------
  let returnSale = null;
  function openReturn(number) {
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
    const done = {};
    if (back.ok) back.data.items.forEach((ret) => ret.lines.forEach((l) => {
      done[l.sale_line_id] = (done[l.sale_line_id] || 0) + Number(l.quantity);
    }));
    $("#return-sale").textContent = `${r.data.number} · ${rp(r.data.total)}${r.data.member_no ? " · " + r.data.member_no : ""}`;
    const body = $("#return-lines");
    body.textContent = "";
    const returned = {};
    if (back.ok) back.data.items.forEach((ret) => ret.lines.forEach((l) => {
      returned[l.product_id] = (returned[l.product_id] || 0) + Number(l.quantity);
    }));
    // in the receipt's order (a Map keeps it; an object would sort the product ids)
    const byProduct = new Map();
    r.data.lines.forEach((l) => {
      if (!byProduct.has(l.product_id)) byProduct.set(l.product_id, { name: l.name, sold: 0, unit: l.unit });
      byProduct.get(l.product_id).sold += Number(l.quantity);
    });
    // "As paid" names how it was paid
    const paidBy = [...new Set((r.data.payments || []).map((p) => T.methods[p.method] || p.method))];
    $("#return-form option[value=original]").textContent = paidBy.length ? `${T.as_paid} (${paidBy.join(", ")})` : T.as_paid;
    byProduct.forEach((info, pid) => {
      const tr = document.createElement("tr");
      const back_ = returned[pid] || 0;
      [info.name, window.mart.qty(info.sold, info.unit), window.mart.qty(back_, info.unit)].forEach((t, i) => {
        const td = document.createElement("td"); td.textContent = t; if (i) td.className = "num"; tr.appendChild(td);
      });
      const td = document.createElement("td");
      const input = document.createElement("input");
      input.name = "q-" + pid; input.inputMode = "decimal"; input.value = "0";
      input.dataset.productId = pid; input.dataset.max = String(info.sold - back_);
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
      .filter((l) => l.quantity && Number(l.quantity) > 0);
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

  // --- reprint, cash in/out, close -------------------------------------------------
  async function reprint() {
    if (!lastSaleId) { openReturn(); message(T.no_last_sale, "error"); return; }
    const r = await api("POST", `/sales/${lastSaleId}/print`);
    message(r.ok ? T.reprinted : errorText(r), r.ok ? "ok" : "error");
  }
  $("form[data-dialog=cash]").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const r = await api("POST", `/shifts/${ctx.shift.id}/cash-movements`, {
      kind: f.kind.value, amount: Math.round(parseNumber(f.amount.value)), reason: f.reason.value,
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

  // --- keys ------------------------------------------------------------------------
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
      selected = Math.max(0, Math.min(state.lines.length - 1, selected + (ev.key === "ArrowUp" ? -1 : 1)));
      render();
    }
  });
  $$("#keys button[data-key]").forEach((b) => b.addEventListener("click", () => KEYS[b.dataset.key]()));
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
  let scanChain = Promise.resolve();
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

  // --- start -----------------------------------------------------------------------
  function start() {
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
  start();
})();
