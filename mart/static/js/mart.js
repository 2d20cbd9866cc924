// Shared helpers for the pages: JSON calls to the API with the session's CSRF token.
window.mart = {
  csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  },
  async api(method, path, body) {
    const response = await fetch("/api/v1" + path, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, data };
  },
  // A quantity as Indonesians read it: "10", "1.500", "1,25 kg" (decimal comma; pieces
  // carry no unit). ``q`` is a number or a decimal string ("10", "1.250").
  qty(q, unit) {
    const n = Math.round(Number(q || 0) * 1000) / 1000;
    const sign = n < 0 ? "-" : "";
    const [whole, frac] = Math.abs(n).toFixed(3).split(".");
    const digits = frac.replace(/0+$/, "");
    const text = sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ".") + (digits ? "," + digits : "");
    return unit && unit !== "pcs" ? `${text} ${unit}` : text;
  },
  rupiah(amount) {
    const sign = amount < 0 ? "-" : "";
    return "Rp " + sign + Math.abs(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  },
};
