// Volmify's own small script: htmx configuration and print buttons. Every page works without it.
// No inline scripts or event-handler attributes anywhere: the Content-Security-Policy forbids them.
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-print]");
  if (button) window.print();
});

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

// Focus after an htmx swap goes to what the swap is about: the new content marks it with
// data-swap-focus (a heading or message with tabindex="-1"), e.g. the next lesson's heading or the
// result of "mark as complete". A full page load moves no focus (the browser's own behaviour).
document.addEventListener("htmx:afterSettle", function (evt) {
  var root = evt.target;
  if (!root || !root.querySelector) return;
  var target = root.matches("[data-swap-focus]") ? root : root.querySelector("[data-swap-focus]");
  if (target && target.isConnected) target.focus({ preventScroll: false });
});

// Lists (macros/table.html): "select all rows on this page" only works with JavaScript, so it is
// rendered hidden and shown here; without JavaScript each row is checked by hand.
function revealSelectAll(root) {
  root.querySelectorAll("[data-select-all][hidden]").forEach(function (box) { box.hidden = false; });
}
document.addEventListener("DOMContentLoaded", function () { revealSelectAll(document); });
document.addEventListener("htmx:afterSettle", function () { revealSelectAll(document); });
document.addEventListener("change", function (evt) {
  var all = evt.target.closest && evt.target.closest("[data-select-all]");
  if (!all || !all.form) return;
  all.form.querySelectorAll('input[type=checkbox][name="ids"]').forEach(function (box) { box.checked = all.checked; });
});

// Disclosures that fold only on a phone (<details data-open-from="48rem">: the header menu, the
// catalog filters, the checkout codes, the player's syllabus). From that width app.css shows their
// content whether or not they are open; here they are also marked open there, so what assistive
// technology is told matches what is shown (also after the window is made wider).
(function () {
  function sync() {
    document.querySelectorAll("details[data-open-from]").forEach(function (details) {
      if (window.matchMedia("(min-width: " + details.dataset.openFrom + ")").matches) details.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", sync);
  window.addEventListener("resize", sync);
})();
