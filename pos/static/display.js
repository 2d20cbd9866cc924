// The customer display: polls a small JSON state about once a second. While the
// cashier asks for the member's PIN (a simpanan or member credit payment), it shows a PIN pad: the
// member types the 6 digits here, they go to the server once, and are never kept.
(function () {
  "use strict";
  const root = document.getElementById("display");
  const url = root.dataset.stateUrl;
  const rp = (n) => window.mart.rupiah(Math.round(n || 0));
  const PIN_LENGTH = 6;
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

  // --- the member's PIN pad --------------------------------------------------------
  const pad = document.getElementById("pinpad");
  let request = null; // the cashier's request shown: {request, amount_text, member}
  let digits = ""; // only in this page's memory, cleared after every try
  let sending = false;
  let holdUntil = 0; // "PIN accepted" stays a moment before the pad goes
  function padMessage(text, kind) {
    const el = document.getElementById("pp-message");
    el.textContent = text || "";
    el.className = "pinpad-message" + (kind ? " " + kind : "");
  }
  function drawDots() {
    document.querySelectorAll("#pp-dots span").forEach((s, i) => s.classList.toggle("on", i < digits.length));
  }
  let expiry = null;
  function showPad(pin) {
    clearTimeout(expiry);
    if (!pin) {
      if (request) { request = null; digits = ""; drawDots(); }
      pad.classList.add("hidden");
      return;
    }
    if (!request || request.request !== pin.request) {
      digits = ""; drawDots(); padMessage("");
    }
    request = pin;
    document.getElementById("pp-member").textContent = pin.member || "";
    // the wording says what the PIN pays: simpanan sukarela, member credit, or both
    const wording = { credit: pad.dataset.amountTextCredit, both: pad.dataset.amountTextBoth }[pin.method];
    document.getElementById("pp-amount").textContent = (wording || pad.dataset.amountText).replace("{amount}", pin.amount_text);
    pad.classList.remove("hidden");
    if (pin.expires_in) expiry = setTimeout(() => { if (request === pin && !sending) showPad(null); }, pin.expires_in * 1000);
  }
  async function sendPin() {
    if (!request || sending || digits.length !== PIN_LENGTH) return;
    const pin = digits;
    digits = ""; drawDots();
    sending = true;
    padMessage(pad.dataset.sending);
    let r = null, data = null;
    try {
      r = await fetch(pad.dataset.pinUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": window.mart.csrf() },
        body: JSON.stringify({ request: request.request, pin }),
      });
      try { data = await r.json(); } catch (e) { data = null; }
    } catch (e) { r = null; }
    sending = false;
    if (r && r.ok) {
      padMessage(pad.dataset.approved, "ok");
      const shown = request;
      holdUntil = Date.now() + 1500;
      setTimeout(() => { if (request === shown) showPad(null); }, 1500);
      return;
    }
    if (r && r.status === 403 && data && !data.errors) {
      padMessage((data && data.message) || pad.dataset.wrong, "error");
    } else if (r && r.status === 409) {
      padMessage(data && data.message ? data.message : pad.dataset.error, "error");
      setTimeout(() => showPad(null), 2500);
    } else {
      padMessage(data && data.message ? data.message : pad.dataset.error, "error");
    }
  }
  function press(key) {
    if (!request || sending) return;
    if (key === "clear") {
      digits = digits.slice(0, -1);
    } else if (key === "ok") {
      sendPin();
      return;
    } else if (/^\d$/.test(key) && digits.length < PIN_LENGTH) {
      digits += key;
      padMessage("");
    }
    drawDots();
    if (digits.length === PIN_LENGTH) sendPin();
  }
  pad.addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (!b) return;
    press(b.dataset.digit !== undefined ? b.dataset.digit : b.dataset.key);
  });
  document.addEventListener("keydown", (ev) => {
    if (pad.classList.contains("hidden")) return;
    if (/^\d$/.test(ev.key)) press(ev.key);
    else if (ev.key === "Backspace") press("clear");
    else if (ev.key === "Enter") press("ok");
    else return;
    ev.preventDefault();
  });

  async function poll() {
    try {
      const sep = url.includes("?") ? "&" : "?";
      const r = await fetch(url + (version !== null ? sep + "v=" + version : ""), { credentials: "same-origin" });
      if (r.ok) {
        const data = await r.json();
        if (!data.unchanged) {
          version = data.version;
          render(data.state, data.qris_svg);
          if (!sending && (data.pin || Date.now() > holdUntil)) showPad(data.pin);
        }
      }
    } catch (e) { /* the server is away; try again */ }
    setTimeout(poll, 1000);
  }
  render(null, null);
  poll();
})();
