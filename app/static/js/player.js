// Course player: resume a video where the learner stopped and save the watched position
// (POST seconds to the lesson's position URL). Works for lessons swapped in by htmx too.
(function () {
  function csrfHeaders() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? { "X-CSRFToken": meta.content } : {};
  }

  function setup(video) {
    if (video.dataset.playerReady) return;
    video.dataset.playerReady = "1";
    var start = parseFloat(video.dataset.resumeAt || "0") || 0;
    function resume() {
      if (start > 0 && (!video.duration || start < video.duration - 2)) video.currentTime = start;
    }
    if (video.readyState >= 1) resume(); else video.addEventListener("loadedmetadata", resume, { once: true });

    var url = video.dataset.positionUrl;
    if (!url) return;
    var saved = Math.floor(start);
    function save(force) {
      var seconds = Math.floor(video.currentTime || 0);
      if (!force && Math.abs(seconds - saved) < 10) return;
      if (seconds === saved && !force) return;
      saved = seconds;
      var body = new FormData();
      body.append("seconds", String(seconds));
      fetch(url, { method: "POST", body: body, headers: csrfHeaders(), credentials: "same-origin", keepalive: true })
        .catch(function () {});
    }
    video.addEventListener("timeupdate", function () { save(false); });
    video.addEventListener("pause", function () { save(true); });
    video.addEventListener("ended", function () { save(true); });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("video[data-resume-at]")) setup(scope);
    scope.querySelectorAll("video[data-resume-at]").forEach(setup);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (evt) { init(evt.target); });
})();

// Course player on a phone: the syllabus below the lesson is open in the HTML (so it is there
// without JavaScript); fold it, it opens with a tap on its summary. From 50rem it is always shown.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(max-width: 49.99rem)").matches) return;
  document.querySelectorAll("details.player-syllabus[open]").forEach(function (syllabus) { syllabus.open = false; });
});
