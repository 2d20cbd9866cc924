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
  rupiah(amount) {
    const sign = amount < 0 ? "-" : "";
    return "Rp " + sign + Math.abs(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  },
};
