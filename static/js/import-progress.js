// The spreadsheet import job's page: while a job runs, asks the JSON status endpoint every
// second and moves the progress bar; when the job stops running (preview ready, refused,
// imported or failed) the page is loaded again to show what the server has to say. Without
// JavaScript the page refreshes itself (a noscript meta refresh) and has a "Muat ulang" link.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.running !== "1") return;
  const label = document.getElementById("import-progress-label");
  const bar = document.getElementById("import-progress-bar");

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    label.textContent = state.status_label + ": " + state.progress + "%";
    return !state.running;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        if (show(state)) window.location.reload();
        else window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 2000);
      });
  }
  window.setTimeout(poll, 1000);
})();
