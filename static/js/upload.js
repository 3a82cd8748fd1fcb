// Browser upload: many files, a few at a time, each with its own progress bar and error;
// resumable (tus-js-client, static/vendor/tus-js-client/, loaded before this script).
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

  // Each file goes up with tus (docs/sync.md, "Resumable uploads"): in 8 MB requests, and
  // the upload's address is kept in localStorage under the file's fingerprint (name, type,
  // size, date), so a file cut off by a reload, a closed tab or a lost connection goes on
  // from the server's offset when it is chosen (or dropped) again.
  var endpoint = form.dataset.tusEndpoint;
  var CHUNK = 8 * 1024 * 1024;

  function refusal(err) {
    var res = err && err.originalResponse;
    if (!res) return "Network error; choose the file again to continue.";
    var body = null;
    try { body = JSON.parse(res.getBody()); } catch (e) { body = null; }
    return (body && body.detail) || ("Refused (HTTP " + res.getStatus() + ")");
  }

  function send(item) {
    active += 1;
    if (item.file.size > maxBytes) {
      finish(item, false, "Larger than the " + form.dataset.maxMb + " MB limit.");
      return;
    }
    var metadata = { filename: item.file.name, filetype: item.file.type || "" };
    if (item.file.lastModified) metadata.taken_at = new Date(item.file.lastModified).toISOString();
    var upload = new tus.Upload(item.file, {
      endpoint: endpoint,
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000],
      metadata: metadata,
      headers: { "X-CSRFToken": token },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onShouldRetry: function (err) {
        // A refusal (bad type, too large, no consent) stays one; 409 and 423 are worth it.
        var status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        return !(status >= 400 && status < 500 && status !== 409 && status !== 423);
      },
      onProgress: function (loaded, total) {
        var sent = Math.min(item.file.size, loaded);
        totals.sent += sent - item.sent;
        item.sent = sent;
        item.ui.bar.value = total ? Math.round((loaded / total) * 100) : 0;
        updateBatch();
      },
      onSuccess: function (payload) {
        var res = payload && payload.lastResponse;
        var id = res && res.getHeader("Upload-Photo-Id");
        if (!id) {
          finish(item, false, "Stored, but the server did not say as what; see the library.");
          return;
        }
        var created = res.getHeader("Upload-Photo-Created") === "true";
        finish(item, true, created ? "Stored" : "Already in your library", "/library/photo/" + id + "/");
      },
      onError: function (err) { finish(item, false, refusal(err)); }
    });
    item.ui.status.textContent = "Uploading";
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
        item.ui.status.textContent = "Resuming";
      }
      upload.start();
    });
  }

  // Uploads of an earlier visit that did not finish: say which files to choose again.
  function listUnfinished() {
    var box = document.getElementById("unfinished");
    if (!box || !window.localStorage) return;
    var names = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key.indexOf("tus::") !== 0) continue;
      try {
        var entry = JSON.parse(localStorage.getItem(key));
        if (entry && entry.metadata && entry.metadata.filename) names.push(entry.metadata.filename);
      } catch (e) { /* not ours */ }
    }
    if (!names.length) return;
    var list = box.querySelector("ul");
    names.forEach(function (name) {
      var li = document.createElement("li");
      li.textContent = name;
      list.appendChild(li);
    });
    box.hidden = false;
  }
  listUnfinished();

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
