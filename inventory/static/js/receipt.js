// Goods receipt entry for a barcode scanner. The scan field keeps the focus: each scan
// adds a line, or one more of a product already on the list ("24*" before the code
// adds 24), so the next scan never lands in a quantity. Quantities are typed by
// clicking (or tabbing to) their field; Enter there goes back to the scan field. A
// quantity field that receives a barcode (a long run of digits and Enter) gives it to
// the scan, and keeps its own value. Absurd quantities are refused on the screen,
// naming the line and the field, as the server's refusals do.
(function () {
  const root = document.getElementById("receipt");
  if (!root) return;
  const scan = document.getElementById("scan");
  const lines = document.getElementById("lines");
  const message = document.getElementById("message");
  const supplier = document.getElementById("supplier");
  const total = document.getElementById("total");
  const MAX_QTY = Number(root.dataset.maxQty || 100000);
  // The column headers, put on each cell (data-label) so a phone stacks a line's fields
  // under their names (.stack-phone): the product's name heads its block.
  const heads = Array.from(root.querySelectorAll("thead th"), (th) => th.textContent.trim());
  function labelCells(tr) {
    Array.from(tr.children).forEach((td, i) => {
      if (heads[i] && i !== 1) td.dataset.label = heads[i];
    });
  }
  // product id (a pack's line: "id:PACK") -> {row, qty, cost, expiry, batch, no, productId, pack}
  const rows = new Map();

  function say(text, bad) {
    message.textContent = text;
    message.classList.toggle("negative", !!bad);
    message.classList.toggle("error", !!bad);
  }
  function fmt(s, args) {
    return s.replace(/%\((\w+)\)s/g, (_, k) => (k in args ? args[k] : ""));
  }
  function parseQty(text) {
    const t = String(text || "").trim().replace(",", ".");
    return /^\d+(\.\d{1,3})?$/.test(t) ? Number(t) : NaN;
  }
  // A quantity's problem, or "" when it is fine.
  function qtyProblem(text) {
    const q = parseQty(text);
    if (!Number.isFinite(q)) return root.dataset.msgQtyNumber;
    if (q <= 0) return root.dataset.msgQtyPositive;
    if (q > MAX_QTY) return fmt(root.dataset.msgQtyMax, { max: window.mart.qty(MAX_QTY) });
    return "";
  }
  function lineError(r, field, text) {
    return fmt(root.dataset.msgLine, { n: r.no }) + ", " + field + ": " + text;
  }

  function recalc() {
    let sum = 0;
    rows.forEach((r) => {
      const q = parseQty(r.qty.value);
      const c = parseInt(r.cost.value, 10) || 0;
      if (Number.isFinite(q) && q <= MAX_QTY) sum += q * c;
    });
    total.textContent = window.mart.rupiah(Math.round(sum));
  }

  function input(type, value, attrs) {
    const el = document.createElement("input");
    el.type = type;
    if (value !== undefined && value !== null) el.value = value;
    Object.entries(attrs || {}).forEach(([k, v]) => el.setAttribute(k, v));
    return el;
  }
  function numberLines() {
    let n = 0;
    rows.forEach((r) => { n += 1; r.no = n; r.noCell.textContent = String(n); });
  }

  // A pack's barcode (issue 15) makes a line in packs: quantity in packs, cost per pack.
  function addLine(product, qty, pack) {
    const key = pack ? `${product.id}:${pack.name}` : product.id;
    const existing = rows.get(key);
    if (existing) {
      const q = parseQty(existing.qty.value) || 0;
      const next = Math.round((q + qty) * 1000) / 1000;
      if (next > MAX_QTY) {
        say(lineError(existing, root.dataset.labelQty, fmt(root.dataset.msgQtyMax, { max: window.mart.qty(MAX_QTY) })), true);
        return;
      }
      existing.qty.value = String(next).replace(".", ",");
      existing.qty.dataset.ok = existing.qty.value;
      existing.row.scrollIntoView({ block: "nearest" });
      say(`${product.name}: ${window.mart.qty(next, product.unit)}`);
      recalc();
      return;
    }
    const tr = document.createElement("tr");
    tr.dataset.productId = product.id;
    const consignment = supplier.selectedOptions[0] && supplier.selectedOptions[0].dataset.terms === "consignment";
    let defaultCost = consignment ? product.supplier_price : product.avg_cost;
    if (pack) defaultCost = pack.cost != null ? pack.cost : (defaultCost ? defaultCost * pack.factor : defaultCost);
    const first = String(qty).replace(".", ",");
    const qtyInput = input("text", first, { inputmode: "decimal", "aria-label": root.dataset.labelQty, "data-testid": "line-qty" });
    qtyInput.dataset.ok = first;
    const cost = input("number", defaultCost || "", { min: "0", step: "1", "aria-label": "cost", "data-testid": "line-cost" });
    const expiry = input("date", "", { "aria-label": "expiry" });
    const batch = input("text", "", { maxlength: "40", "aria-label": "batch" });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary outline small";
    remove.textContent = "\u00d7";
    remove.addEventListener("click", () => { rows.delete(key); tr.remove(); numberLines(); recalc(); scan.focus(); });
    const noCell = document.createElement("td");
    noCell.className = "num";
    tr.appendChild(noCell);
    const name = document.createElement("td");
    name.textContent = product.sku + " \u00b7 " + product.name + (pack ? ` \u00b7 ${pack.name} (${pack.factor})` : "");
    tr.appendChild(name);
    const entry = {
      row: tr, qty: qtyInput, cost, expiry, batch, noCell, no: 0, unit: product.unit,
      productId: product.id, pack: pack ? pack.name : null,
    };
    [qtyInput, cost, expiry, batch].forEach((el) => {
      const td = document.createElement("td");
      td.appendChild(el);
      tr.appendChild(td);
      el.addEventListener("keydown", (ev) => {
        if (ev.key !== "Enter") return;
        ev.preventDefault();
        const typed = el.value.trim();
        const before = el.dataset.before || "";
        // A barcode scanned into a field (after what it held, or over it): a scan.
        const code = before && typed.startsWith(before) && typed.length - before.length >= 8
          ? typed.slice(before.length) : typed;
        if (el !== batch && /^\d{8,}$/.test(code)) {
          el.value = el === qtyInput ? qtyInput.dataset.ok : before;
          scan.focus();
          handleScan(code);
          recalc();
          return;
        }
        if (el === qtyInput && !checkQty(entry)) return;
        recalc();
        scan.focus();
      });
      el.addEventListener("input", recalc);
      el.addEventListener("focus", () => { el.dataset.before = el.value; });
    });
    qtyInput.addEventListener("change", () => checkQty(entry));
    const td = document.createElement("td");
    td.appendChild(remove);
    tr.appendChild(td);
    labelCells(tr);
    lines.prepend(tr);
    rows.set(key, entry);
    numberLines();
    say(`${product.name}: ${window.mart.qty(qty, product.unit)}`);
    recalc();
  }
  // A typed quantity: refused on the spot (the last good value comes back) when absurd.
  function checkQty(entry) {
    const problem = qtyProblem(entry.qty.value);
    if (problem) {
      say(lineError(entry, root.dataset.labelQty, problem), true);
      entry.qty.value = entry.qty.dataset.ok; // the last good value comes back
      entry.qty.focus();
      entry.qty.select();
      recalc();
      return false;
    }
    entry.qty.dataset.ok = entry.qty.value;
    return true;
  }

  let chain = Promise.resolve();
  function handleScan(text) {
    // A scanner is faster than the server: scans are handled one after another.
    chain = chain.then(() => lookup(text)).catch(() => {});
    return chain;
  }
  async function lookup(text) {
    let code = text.trim();
    let qty = 1;
    const mult = code.match(/^(\d+(?:[.,]\d{1,3})?)\*(.+)$/);
    if (mult) { qty = parseQty(mult[1]); code = mult[2].trim(); }
    if (!code) return;
    if (!Number.isFinite(qty) || qty <= 0 || qty > MAX_QTY) {
      say(fmt(root.dataset.msgQtyMax, { max: window.mart.qty(MAX_QTY) }), true);
      return;
    }
    const res = await window.mart.api("GET", "/products/lookup?code=" + encodeURIComponent(code));
    if (!res.ok) {
      say(root.dataset.msgUnknown + ": " + code + (res.data && res.data.message ? " (" + res.data.message + ")" : ""), true);
      return;
    }
    const weighed = res.data.quantity !== null && res.data.quantity !== undefined;
    addLine(res.data.product, weighed ? Number(res.data.quantity) * qty : qty, res.data.pack);
  }

  scan.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const code = scan.value.trim();
    scan.value = "";
    if (code) handleScan(code);
  });

  document.getElementById("post").addEventListener("click", async () => {
    await chain;
    if (!supplier.value) { say(root.dataset.msgSupplier, true); supplier.focus(); return; }
    if (!rows.size) { say(root.dataset.msgEmpty, true); scan.focus(); return; }
    const body = { supplier_id: parseInt(supplier.value, 10), lines: [] };
    const ref = document.getElementById("reference").value.trim();
    if (ref) body.reference = ref;
    for (const r of rows.values()) {
      const problem = qtyProblem(r.qty.value);
      if (problem) { say(lineError(r, root.dataset.labelQty, problem), true); r.qty.focus(); return; }
      const line = { product_id: r.productId, quantity: r.qty.value.trim().replace(",", ".") };
      if (r.pack) line.pack = r.pack; // quantity in packs, unit_cost per pack
      if (r.cost.value !== "") line.unit_cost = parseInt(r.cost.value, 10);
      if (r.expiry.value) line.expiry_date = r.expiry.value;
      if (r.batch.value.trim()) line.batch = r.batch.value.trim();
      body.lines.push(line);
    }
    const res = await window.mart.api("POST", "/goods-receipts", body);
    if (res.ok) {
      say(root.dataset.msgSaved);
      window.location.href = root.dataset.doneUrl + "?posted=" + encodeURIComponent(res.data.number || res.data.id);
    } else {
      say((res.data && res.data.message) || ("HTTP " + res.status), true);
    }
  });
})();
