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
