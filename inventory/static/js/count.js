// Stock count by scanning: each scan adds the quantity (default 1) to the product's
// count; the table of differences is redrawn from the API's answer.
(function () {
  const root = document.getElementById("count");
  if (!root) return;
  const id = root.dataset.countId;
  const scan = document.getElementById("count-scan");
  const qty = document.getElementById("count-qty");
  const message = document.getElementById("count-message");
  const body = document.getElementById("count-lines");
  const total = document.getElementById("count-total");

  const fmt = (n) => window.mart.qty(n);

  function cell(tr, text, num) {
    const td = document.createElement("td");
    td.textContent = text;
    if (num) td.className = "num";
    tr.appendChild(td);
    return td;
  }

  function draw(count) {
    body.textContent = "";
    count.lines.forEach((l) => {
      const tr = document.createElement("tr");
      cell(tr, l.sku);
      cell(tr, l.name);
      cell(tr, fmt(l.counted), true);
      if (root.dataset.blind) { body.appendChild(tr); return; } // blind: no expected figures
      cell(tr, fmt(l.ledger_at_count), true);
      const d = cell(tr, fmt(l.difference), true);
      if (l.difference < 0) d.classList.add("negative");
      cell(tr, window.mart.rupiah(l.value), true);
      body.appendChild(tr);
    });
    if (total) total.textContent = window.mart.rupiah(count.difference_value);
  }

  scan.addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const code = scan.value.trim();
    scan.value = "";
    if (!code) return;
    const quantity = (qty.value || "1").replace(",", ".");
    const res = await window.mart.api("POST", "/stock-counts/" + id + "/lines", { barcode: code, quantity: quantity });
    if (res.ok) {
      message.textContent = code + " +" + quantity;
      message.classList.remove("negative");
      draw(res.data);
      qty.value = "1";
    } else {
      message.textContent = root.dataset.msgUnknown + ": " + code + (res.data && res.data.message ? " (" + res.data.message + ")" : "");
      message.classList.add("negative");
    }
    scan.focus();
  });
  qty.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); scan.focus(); }
  });
})();
