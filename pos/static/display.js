// The customer display: polls a small JSON state about once a second.
(function () {
  "use strict";
  const root = document.getElementById("display");
  const url = root.dataset.stateUrl;
  const rp = (n) => window.mart.rupiah(Math.round(n || 0));
  let version = null;
  function render(state, svg) {
    const body = document.getElementById("d-lines");
    body.textContent = "";
    const lines = (state && state.lines) || [];
    lines.slice(-12).forEach((l) => {
      const tr = document.createElement("tr");
      [l.name, window.mart.qty(l.quantity, l.unit), rp(l.amount)].forEach((t, i) => {
        const td = document.createElement("td");
        td.textContent = t;
        if (i) td.className = "num";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.getElementById("d-welcome").textContent = lines.length ? "" : root.dataset.welcome;
    document.getElementById("d-total").textContent = rp(state ? state.total : 0);
    document.getElementById("d-member").textContent = state && state.member ? state.member : "";
    document.getElementById("d-message").textContent = state && state.message ? state.message : "";
    const box = document.getElementById("d-qris");
    if (svg) {
      document.getElementById("d-qris-img").src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
      box.classList.remove("hidden");
    } else {
      box.classList.add("hidden");
    }
  }
  async function poll() {
    try {
      const sep = url.includes("?") ? "&" : "?";
      const r = await fetch(url + (version !== null ? sep + "v=" + version : ""), { credentials: "same-origin" });
      if (r.ok) {
        const data = await r.json();
        if (!data.unchanged) {
          version = data.version;
          render(data.state, data.qris_svg);
        }
      }
    } catch (e) { /* the server is away; try again */ }
    setTimeout(poll, 1000);
  }
  render(null, null);
  poll();
})();
