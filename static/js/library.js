// Library and album grids: select photos to add them to an album or delete them, and
// confirmations (no inline scripts under the CSP).
(function () {
  "use strict";
  var form = document.getElementById("library-form");
  if (form) {
    var button = document.getElementById("delete-selected");
    var count = document.getElementById("selection-count");
    var pick = document.getElementById("album-pick");
    var selected = function () {
      return Array.prototype.map.call(form.querySelectorAll("input[name=ids]:checked"), function (el) {
        return el.value;
      });
    };
    var update = function () {
      var n = selected().length;
      button.disabled = n === 0;
      if (pick) pick.disabled = n === 0;
      count.textContent = n ? n + " selected" : count.dataset.empty;
    };
    form.addEventListener("change", function (event) {
      if (event.target !== pick) update();
    });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter !== button) return;  // e.g. "Make cover" in an album
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
    if (pick) {
      pick.addEventListener("change", function () {
        var choice = pick.value, ids = selected();
        pick.value = "";
        if (!choice || !ids.length) return;
        var body = new FormData();
        body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
        ids.forEach(function (id) { body.append("ids", id); });
        var url;
        if (choice === "new") {
          var title = window.prompt("Title of the new album");
          if (!title) return;
          body.append("title", title);
          url = pick.dataset.createUrl;
        } else {
          url = pick.dataset.addUrl.replace("/0/", "/" + encodeURIComponent(choice) + "/");
        }
        fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
          .then(function (res) {
            if (!res.ok) { count.textContent = res.data.detail || "That did not work."; return; }
            count.textContent = choice === "new"
              ? "Album “" + res.data.title + "” created with " + ids.length + " photo" + (ids.length === 1 ? "" : "s") + "."
              : res.data.added + " added to “" + res.data.title + "”.";
            form.querySelectorAll("input[name=ids]:checked").forEach(function (el) { el.checked = false; });
            button.disabled = true;
            pick.disabled = true;
          })
          .catch(function () { count.textContent = "That did not work; try again."; });
      });
    }
    update();
  }
  document.querySelectorAll("form.confirm-delete").forEach(function (el) {
    el.addEventListener("submit", function (event) {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
})();
