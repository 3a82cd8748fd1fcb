// Browser upload: many files, a few at a time, each with its own progress bar and error.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("file-input");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("upload-list");
  var batch = document.getElementById("batch");
  var batchBar = document.getElementById("batch-progress");
  var batchText = document.getElementById("batch-text");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var maxBytes = parseInt(form.dataset.maxMb, 10) * 1024 * 1024;
  var PARALLEL = 3;

  var queue = [];
  var active = 0;
  var totals = { files: 0, done: 0, failed: 0, bytes: 0, sent: 0 };

  function updateBatch() {
    var pct = totals.bytes ? Math.round((totals.sent / totals.bytes) * 100) : 0;
    batchBar.value = pct;
    var text = (totals.done + totals.failed) + " of " + totals.files + " files";
    if (totals.failed) text += ", " + totals.failed + " refused";
    batchText.textContent = text;
  }

  function row(file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement("span");
    status.className = "muted";
    status.textContent = "Waiting";
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(status);
    list.appendChild(li);
    return { li: li, bar: bar, status: status };
  }

  function finish(item, ok, message, link) {
    item.ui.bar.value = ok ? 100 : item.ui.bar.value;
    item.ui.status.textContent = "";
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = message;
      item.ui.status.appendChild(a);
    } else {
      item.ui.status.textContent = message;
    }
    item.ui.status.className = ok ? "ok" : "error";
    totals.sent += item.file.size - item.sent;
    item.sent = item.file.size;
    if (ok) totals.done += 1; else totals.failed += 1;
    active -= 1;
    updateBatch();
    next();
  }

  function send(item) {
    active += 1;
    if (item.file.size > maxBytes) {
      finish(item, false, "Larger than the " + form.dataset.maxMb + " MB limit.");
      return;
    }
    var data = new FormData();
    data.append("file", item.file, item.file.name);
    if (item.file.lastModified) data.append("taken_at", new Date(item.file.lastModified).toISOString());
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.setRequestHeader("Accept", "application/json");
    item.ui.status.textContent = "Uploading";
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var sent = Math.min(item.file.size, Math.round(item.file.size * event.loaded / event.total));
      totals.sent += sent - item.sent;
      item.sent = sent;
      item.ui.bar.value = Math.round((event.loaded / event.total) * 100);
      updateBatch();
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL && xhr.responseURL.indexOf("/login") !== -1) {
        finish(item, false, "Your session has ended: log in again, then retry.");
        return;
      }
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      var result = body && body.results && body.results[0];
      if (result && result.ok) {
        finish(item, true, result.created ? "Stored" : "Already in your library", result.url);
      } else {
        var message = (result && result.detail) || (body && body.detail) || ("Refused (HTTP " + xhr.status + ")");
        finish(item, false, message);
      }
    });
    xhr.addEventListener("error", function () { finish(item, false, "Network error; try again."); });
    xhr.addEventListener("abort", function () { finish(item, false, "Cancelled."); });
    xhr.send(data);
  }

  function next() {
    while (active < PARALLEL && queue.length) send(queue.shift());
  }

  function add(files) {
    if (!files || !files.length) return;
    batch.hidden = false;
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      var item = { file: file, sent: 0, ui: row(file) };
      totals.files += 1;
      totals.bytes += file.size;
      queue.push(item);
    }
    updateBatch();
    next();
  }

  input.addEventListener("change", function () { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) { add(event.dataTransfer.files); });
  form.addEventListener("submit", function (event) { event.preventDefault(); add(input.files); });
})();
