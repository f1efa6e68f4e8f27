// Volmify's own small script: htmx configuration. Every page works without it.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  // htmx 2 does not swap 4xx by default: swap form errors (422) and error fragments too.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: true, error: true },
  ];
  htmx.config.historyCacheSize = 0; // always re-fetch on back/forward: the server is the truth
  document.body.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) evt.detail.headers["X-CSRFToken"] = meta.content;
  });
});
