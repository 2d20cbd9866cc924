// Goods receipt entry for a barcode scanner: scan (the scanner types the code and
// Enter), the quantity field of that line takes focus; type the quantity, Enter, and
// the scan field takes focus again. Scanning the same product again adds one.
(function () {
  const root = document.getElementById("receipt");
  if (!root) return;
  const scan = document.getElementById("scan");
  const lines = document.getElementById("lines");
  const message = document.getElementById("message");
  const supplier = document.getElementById("supplier");
  const total = document.getElementById("total");
  const rows = new Map(); // product id -> {row, qty, cost, expiry, batch}

  function say(text, bad) {
    message.textContent = text;
    message.classList.toggle("negative", !!bad);
  }

  function recalc() {
    let sum = 0;
    rows.forEach((r) => {
      const q = parseFloat(r.qty.value.replace(",", ".")) || 0;
      const c = parseInt(r.cost.value, 10) || 0;
      sum += q * c;
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

  function addLine(product) {
    const existing = rows.get(product.id);
    if (existing) {
      const q = parseFloat(existing.qty.value.replace(",", ".")) || 0;
      existing.qty.value = String(q + 1);
      existing.qty.focus();
      existing.qty.select();
      recalc();
      return;
    }
    const tr = document.createElement("tr");
    tr.dataset.productId = product.id;
    const consignment = supplier.selectedOptions[0] && supplier.selectedOptions[0].dataset.terms === "consignment";
    const defaultCost = consignment ? product.supplier_price : product.avg_cost;
    const qty = input("text", "1", { inputmode: "decimal", "aria-label": "qty", "data-testid": "line-qty" });
    const cost = input("number", defaultCost || "", { min: "0", step: "1", "aria-label": "cost", "data-testid": "line-cost" });
    const expiry = input("date", "", { "aria-label": "expiry" });
    const batch = input("text", "", { maxlength: "40", "aria-label": "batch" });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary outline small";
    remove.textContent = "\u00d7";
    remove.addEventListener("click", () => { rows.delete(product.id); tr.remove(); recalc(); scan.focus(); });
    const name = document.createElement("td");
    name.textContent = product.sku + " \u00b7 " + product.name;
    tr.appendChild(name);
    [qty, cost, expiry, batch].forEach((el) => {
      const td = document.createElement("td");
      td.appendChild(el);
      tr.appendChild(td);
      el.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") { ev.preventDefault(); recalc(); scan.focus(); }
      });
      el.addEventListener("input", recalc);
    });
    const td = document.createElement("td");
    td.appendChild(remove);
    tr.appendChild(td);
    lines.prepend(tr);
    rows.set(product.id, { row: tr, qty, cost, expiry, batch });
    qty.focus();
    qty.select();
    recalc();
  }

  scan.addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const code = scan.value.trim();
    scan.value = "";
    if (!code) return;
    const res = await window.mart.api("GET", "/products/lookup?code=" + encodeURIComponent(code));
    if (!res.ok) {
      say(root.dataset.msgUnknown + ": " + code + (res.data && res.data.message ? " (" + res.data.message + ")" : ""), true);
      scan.focus();
      return;
    }
    say(res.data.product.name);
    addLine(res.data.product);
    if (res.data.quantity !== null && res.data.quantity !== undefined) {
      rows.get(res.data.product.id).qty.value = String(res.data.quantity);
      recalc();
    }
  });

  document.getElementById("post").addEventListener("click", async () => {
    if (!supplier.value) { say(root.dataset.msgSupplier, true); supplier.focus(); return; }
    if (!rows.size) { say(root.dataset.msgEmpty, true); scan.focus(); return; }
    const body = { supplier_id: parseInt(supplier.value, 10), lines: [] };
    const ref = document.getElementById("reference").value.trim();
    if (ref) body.reference = ref;
    rows.forEach((r, id) => {
      const line = { product_id: id, quantity: r.qty.value.replace(",", ".") };
      if (r.cost.value !== "") line.unit_cost = parseInt(r.cost.value, 10);
      if (r.expiry.value) line.expiry_date = r.expiry.value;
      if (r.batch.value.trim()) line.batch = r.batch.value.trim();
      body.lines.push(line);
    });
    const res = await window.mart.api("POST", "/goods-receipts", body);
    if (res.ok) {
      say(root.dataset.msgSaved);
      window.location.href = root.dataset.doneUrl;
    } else {
      say((res.data && res.data.message) || ("HTTP " + res.status), true);
    }
  });
})();
