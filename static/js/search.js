// The header's search box: suggestions as you type (people, places, themes, months,
// objects) from /library/search/suggest/. Arrow keys move in the list, Enter searches.
(function () {
  "use strict";
  var input = document.getElementById("header-q");
  var list = document.getElementById("header-q-list");
  if (!input || !list) return;
  var timer = null, active = -1, items = [], asked = 0;

  function hide() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
  function mark() {
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.setAttribute("aria-selected", String(i === active));
      if (i === active) input.setAttribute("aria-activedescendant", li.id);
    });
  }
  function choose(item) {
    input.value = item.query;
    hide();
    input.form.submit();
  }
  function showList(found) {
    items = found;
    list.innerHTML = "";
    if (!found.length) { hide(); return; }
    found.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "header-q-opt-" + i;
      li.setAttribute("role", "option");
      li.textContent = item.label;
      var kind = document.createElement("span");
      kind.className = "muted";
      kind.textContent = " " + item.kind;
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var ticket = ++asked;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (ticket === asked) showList(data.suggestions || []); })
        .catch(hide);
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); active = Math.min(active + 1, items.length - 1); mark(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); active = Math.max(active - 1, 0); mark(); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
    else if (e.key === "Escape") hide();
  });
  input.addEventListener("blur", function () { setTimeout(hide, 100); });
})();
