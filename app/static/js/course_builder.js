// The course builder (app/templates/staff/course_builder.html): drag a lesson onto another lesson
// (it goes before it) or onto a section's list (it goes last) to move it; Escape cancels an inline
// title edit. Without this script the "move up/down" buttons and the "move to" select do the same.
(function () {
  var dragged = null;

  function lessonOf(el) { return el && el.closest ? el.closest("li.builder-lesson") : null; }
  function listOf(el) { return el && el.closest ? el.closest("ol.builder-lessons") : null; }

  function send(url, values) {
    if (window.htmx) {
      htmx.ajax("POST", url, { target: "#builder-tree", swap: "outerHTML", values: values });
      return;
    }
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    var token = document.querySelector('meta[name="csrf-token"]');
    values.csrf_token = token ? token.content : "";
    Object.keys(values).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = values[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  document.addEventListener("dragstart", function (evt) {
    var li = lessonOf(evt.target);
    if (!li) return;
    dragged = li;
    li.classList.add("dragging");
    evt.dataTransfer.effectAllowed = "move";
    evt.dataTransfer.setData("text/plain", li.dataset.placement);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    dragged = null;
  });

  document.addEventListener("dragover", function (evt) {
    if (!dragged || !listOf(evt.target)) return;
    evt.preventDefault();
    evt.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    (lessonOf(evt.target) || listOf(evt.target)).classList.add("drop-target");
  });

  // A section without lessons still takes a dropped lesson: its list has a minimum height (app.css).
  document.addEventListener("drop", function (evt) {
    var list = listOf(evt.target);
    if (!dragged || !list) return;
    evt.preventDefault();
    var before = lessonOf(evt.target);
    var others = Array.prototype.filter.call(list.children, function (li) { return li !== dragged; });
    var position = before && before !== dragged ? others.indexOf(before) + 1 : others.length + 1;
    if (before === dragged) return;
    send(dragged.dataset.moveUrl, { parent_id: list.dataset.sectionId, position: String(position) });
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var form = evt.target.closest && evt.target.closest("form[data-inline-edit]");
    if (!form) return;
    var cancel = form.querySelector("[data-cancel]");
    if (cancel) { evt.preventDefault(); cancel.click(); }
  });
})();
