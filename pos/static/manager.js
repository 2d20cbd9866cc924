// Manager pages: reprint a receipt; a form with data-question asks before it is sent
// (ending a promotion now), as the Content-Security-Policy forbids inline handlers.
(function () {
  "use strict";
  document.querySelectorAll("form[data-question]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.question)) event.preventDefault();
    });
  });
  const button = document.getElementById("reprint");
  if (!button) return;
  button.addEventListener("click", async () => {
    const r = await window.mart.api("POST", `/sales/${button.dataset.sale}/print`);
    document.getElementById("reprint-result").textContent =
      r.ok ? button.dataset.done : (r.data && r.data.message) || String(r.status);
  });
})();
