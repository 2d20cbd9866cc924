const el = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: el.dataset.specUrl, dom_id: "#swagger-ui" });
