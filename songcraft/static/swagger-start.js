// Starts Swagger UI on /docs with the settings the page carries (no inline script: see songcraft/security.py).
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = Object.assign({url: container.dataset.specUrl, dom_id: "#swagger-ui-container"}, JSON.parse(container.dataset.config));
  window.ui = SwaggerUIBundle(config);
});
