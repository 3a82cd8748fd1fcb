// Live analysis progress on the dashboard: polls the JSON endpoint named by
// data-progress-url, faster while photos are waiting, and renders with textContent only.
(function () {
  "use strict";
  var STEPS = [["derivatives", "Thumbnails"], ["faces", "Faces"], ["scenes", "Objects and scenes"],
    ["quality", "Quality"], ["duplicates", "Near-duplicates"]];

  function field(root, name) { return root.querySelector('[data-field="' + name + '"]'); }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return ""; }
    if (seconds < 90) { return "about " + Math.max(1, Math.round(seconds)) + " s"; }
    if (seconds < 5400) { return "about " + Math.round(seconds / 60) + " min"; }
    return "about " + Math.round(seconds / 3600) + " h";
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  function render(root, data) {
    var finished = data.done + data.skipped;
    var remaining = data.pending + data.running;
    field(root, "summary").textContent = data.total === 0
      ? "No photos yet."
      : data.done + " of " + data.total + " photos analysed" +
        (data.skipped ? ", " + data.skipped + " not analysed (no consent)" : "") +
        (remaining ? ", " + remaining + " waiting" : "") + ".";
    var bar = field(root, "bar");
    bar.max = Math.max(data.total, 1);
    bar.value = finished;
    bar.textContent = Math.round(100 * finished / Math.max(data.total, 1)) + "%";

    var body = field(root, "steps");
    body.replaceChildren();
    STEPS.forEach(function (pair) {
      var counts = (data.steps || {})[pair[0]];
      if (!counts) { return; }
      var row = document.createElement("tr");
      cell(row, pair[1]);
      cell(row, String(counts.done));
      cell(row, String(counts.pending + counts.running + counts.waiting_for_model));
      cell(row, String(counts.failed));
      cell(row, String(counts.skipped));
      body.appendChild(row);
    });

    field(root, "eta").textContent = remaining && data.eta_seconds !== null
      ? "Time left: " + duration(data.eta_seconds) + "." : "";
    field(root, "waiting").textContent = data.waiting_for_model
      ? data.waiting_for_model + " photo(s) wait for a model and will be analysed as soon as it is installed." : "";

    var failures = field(root, "failures");
    failures.replaceChildren();
    if (data.failures.length) {
      var title = document.createElement("h3");
      title.textContent = data.failed + " photo(s) failed";
      failures.appendChild(title);
      var list = document.createElement("ul");
      data.failures.forEach(function (f) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = root.dataset.progressUrl.replace(/analysis\/progress\/$/, "photo/" + f.photo + "/");
        link.textContent = f.name || ("Photo " + f.photo);
        item.appendChild(link);
        item.appendChild(document.createTextNode(" (" + f.step + "): " + f.message));
        list.appendChild(item);
      });
      failures.appendChild(list);
    }
    return remaining > 0;
  }

  function poll(root) {
    fetch(root.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        var busy = render(root, data);
        setTimeout(function () { poll(root); }, busy ? 3000 : 30000);
      })
      .catch(function () { setTimeout(function () { poll(root); }, 30000); });
  }

  document.querySelectorAll("[data-progress-url]").forEach(poll);
})();
