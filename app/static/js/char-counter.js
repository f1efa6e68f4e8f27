// Live character counters of the dashboard's limited text fields: an element
// `[data-counter-for=<field id>][data-limit=<n>]` holding `[data-count]` shows how many characters
// the field holds and gets the class `over` past the limit. The server renders the same count on
// load and refuses too long text on submit, so the page works without this script.
(function () {
  function length(text) { return Array.from(text.trim()).length; }
  function update(counter) {
    var field = document.getElementById(counter.dataset.counterFor);
    var count = counter.querySelector("[data-count]");
    if (!field || !count) return;
    var used = length(field.value);
    count.textContent = String(used);
    counter.classList.toggle("over", used > Number(counter.dataset.limit));
  }
  document.addEventListener("input", function (evt) {
    var id = evt.target && evt.target.id;
    if (!id) return;
    document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
      if (counter.dataset.counterFor === id) update(counter);
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-counter-for]").forEach(update);
  });
})();
