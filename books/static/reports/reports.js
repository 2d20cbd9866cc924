// The books' report pages: the Print button prints the A4 page (reports.css).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
