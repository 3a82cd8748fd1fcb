// Privacy page: poll the export job's small JSON status until the ZIP is ready.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("export-progress");
  var state = document.getElementById("export-state");
  var ready = document.getElementById("export-ready");
  var link = document.getElementById("export-link");
  var labels = { pending: "Waiting", running: "Building", ready: "Ready", failed: "Failed", expired: "Expired" };

  function show(data) {
    bar.value = data.progress;
    bar.textContent = data.progress + "%";
    state.textContent = labels[data.status] || data.status;
    if (data.status === "ready" && data.download_url) {
      link.href = data.download_url;
      ready.hidden = false;
    } else {
      ready.hidden = true;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        show(data);
        if (data.status === "pending" || data.status === "running") {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  var status = box.getAttribute("data-status");
  if (status === "pending" || status === "running") poll();
})();
