// The export status page: asks the JSON status endpoint every 2 s and moves the progress bar
// until the file is ready (then shows the download link) or the build failed. Without
// JavaScript the page's "Muat ulang" link does the same by hand.
(function () {
  "use strict";
  const box = document.getElementById("report-progress");
  if (!box || box.dataset.done === "1" || box.dataset.failed === "1") return;
  const label = document.getElementById("report-progress-label");
  const bar = document.getElementById("report-progress-bar");
  const download = document.getElementById("report-progress-download");
  const failed = document.getElementById("report-progress-failed");
  const reload = document.getElementById("report-progress-reload");

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    label.textContent = state.status_label + ": " + state.progress + "%";
    if (state.done) {
      if (state.download_url) download.querySelector("a").href = state.download_url;
      download.hidden = false;
      reload.hidden = true;
    }
    if (state.failed) {
      failed.hidden = false;
      reload.hidden = true;
    }
    return state.done || state.failed;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        if (!show(state)) window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 2000);
      });
  }
  window.setTimeout(poll, 2000);
})();
