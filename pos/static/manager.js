// Manager pages: reprint a receipt.
(function () {
  "use strict";
  const button = document.getElementById("reprint");
  if (!button) return;
  button.addEventListener("click", async () => {
    const r = await window.mart.api("POST", `/sales/${button.dataset.sale}/print`);
    document.getElementById("reprint-result").textContent =
      r.ok ? button.dataset.done : (r.data && r.data.message) || String(r.status);
  });
})();
