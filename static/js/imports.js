// Import progress: polls /imports/progress/:token and reloads the page when
// the server has finished reading or writing the upload. Without JavaScript
// the page refreshes itself (noscript meta refresh) instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("[data-progress-bar]");
  var text = box.querySelector("[data-progress-text]");
  var phase = box.querySelector("[data-progress-phase]");
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        if (!p.running) {
          window.location.replace(p.href);
          return;
        }
        if (bar) bar.value = p.percent;
        if (text) text.textContent = p.percent + "%";
        if (phase) phase.textContent = p.phase;
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 300);
})();
