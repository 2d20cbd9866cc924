// Printers page: ask each printer for its status after the page has loaded, so an
// unreachable printer (a few seconds' timeout) never slows the page down.
document.querySelectorAll(".printer-status[data-status-url]").forEach(async (cell) => {
  const label = (status) => cell.dataset["label" + status.charAt(0).toUpperCase() + status.slice(1)]
    || cell.getAttribute("data-label-" + status) || status;
  try {
    const response = await fetch(cell.dataset.statusUrl, { credentials: "same-origin" });
    const body = await response.json();
    const status = response.ok ? body.status : "error";
    cell.textContent = label(status);
    cell.classList.add("status-" + status);
    cell.dataset.status = status;
  } catch (e) {
    cell.textContent = label("error");
    cell.classList.add("status-error");
    cell.dataset.status = "error";
  }
});
