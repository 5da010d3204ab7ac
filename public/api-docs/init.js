// The interactive reference of Consult's APIs: Swagger UI (npm swagger-ui-dist, served by
// Consult itself, nothing loaded from elsewhere) over both OpenAPI documents. `?api=rooms`
// opens the rooms API first.
(function () {
  "use strict";
  var apis = [
    { url: "/api/openapi.json", name: "WeSeeDo Personal API (v2)" },
    { url: "/whereby/openapi.json", name: "Rooms API (Whereby v1)" },
  ];
  var first = new URLSearchParams(window.location.search).get("api") === "rooms" ? 1 : 0;
  window.addEventListener("DOMContentLoaded", function () {
    window.SwaggerUIBundle({
      domNode: document.getElementById("swagger-ui"),
      urls: apis,
      "urls.primaryName": apis[first].name,
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      deepLinking: true,
      // The default validator is a third-party service: never asked.
      validatorUrl: null,
      tryItOutEnabled: false,
      persistAuthorization: false,
    });
  });
})();
