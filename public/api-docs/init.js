// The interactive reference of Consult's APIs: Swagger UI (npm swagger-ui-dist, served by
// Consult itself, nothing loaded from elsewhere) over the three OpenAPI documents. `?api=rooms`
// opens the rooms API first, `?api=appointments` the appointments API.
(function () {
  "use strict";
  var apis = [
    { url: "/api/openapi.json", name: "WeSeeDo Personal API (v2)" },
    { url: "/whereby/openapi.json", name: "Rooms API (Whereby v1)" },
    { url: "/api/v1/appointments/openapi.json", name: "Appointments API (v1)" },
  ];
  var asked = new URLSearchParams(window.location.search).get("api");
  var first = asked === "rooms" ? 1 : asked === "appointments" ? 2 : 0;
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
