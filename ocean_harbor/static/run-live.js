// The run page refreshes its status, links and logs every second until the run finishes.
(function () {
  "use strict";
  var live = document.getElementById("run-live");
  if (!live) { return; }
  var url = live.getAttribute("data-live-url");
  function finished() {
    return live.querySelector("[data-final='true']") !== null;
  }
  function refresh() {
    if (finished()) { return; }
    fetch(url, { headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { live.innerHTML = html; } })
      .catch(function () { /* the harbor is restarting: try again */ })
      .then(function () { if (!finished()) { window.setTimeout(refresh, 1000); } });
  }
  window.setTimeout(refresh, 1000);
})();
