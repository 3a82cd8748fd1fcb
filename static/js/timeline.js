// The timeline: justified rows that keep each photo's aspect ratio, several days side by
// side (Google Photos' layout), and infinite scroll. The server gives each tile its aspect
// ratio (data-a); CSS flex does the packing from two custom properties set here (the CSP
// allows no style attributes in the markup, but does allow the CSSOM). Without JavaScript
// the tiles are a grid of squares and "Older photos" is a plain link.
(function () {
  "use strict";
  var days = document.getElementById("timeline");
  if (!days) return;

  function rowHeight() {
    return parseFloat(getComputedStyle(days).getPropertyValue("--row-h")) || 180;
  }

  function prepare(day) {
    var sum = 0, tiles = day.querySelectorAll(".tile");
    tiles.forEach(function (tile) {
      var a = parseFloat(tile.dataset.a) || 1;
      tile.style.setProperty("--a", a);
      sum += a;
    });
    day.dataset.sum = sum;
    day.dataset.n = tiles.length;
    day.style.setProperty("--sum", sum);
    day.style.setProperty("--n", tiles.length);
  }

  // A day wider than a row gets rows of its own; its last row keeps the row height rather
  // than stretching a few photos across the screen.
  function widen() {
    var width = days.clientWidth, h = rowHeight();
    var gap = parseFloat(getComputedStyle(days).getPropertyValue("--gap-tile")) || 0;
    days.querySelectorAll(".tl-day").forEach(function (day) {
      var basis = parseFloat(day.dataset.sum) * h + (parseInt(day.dataset.n, 10) - 1) * gap;
      day.classList.toggle("wide", basis > width);
    });
  }

  function layout(root) {
    root.querySelectorAll(".tl-day").forEach(prepare);
    days.classList.add("justified");
    widen();
  }

  // The next page's days, appended; a day split across two pages becomes one again.
  function append(doc) {
    var incoming = doc.getElementById("timeline");
    if (!incoming) return;
    Array.prototype.slice.call(incoming.children).forEach(function (node) {
      if (node.classList.contains("tl-month") && document.getElementById(node.id)) return;
      var last = days.lastElementChild;
      if (node.classList.contains("tl-day") && last && last.dataset.day === node.dataset.day) {
        var into = last.querySelector(".tl-tiles");
        node.querySelectorAll(".tile").forEach(function (tile) { into.appendChild(tile); });
        prepare(last);
        return;
      }
      var adopted = document.importNode(node, true);
      days.appendChild(adopted);
      if (adopted.classList.contains("tl-day")) prepare(adopted);
    });
    widen();
    days.dispatchEvent(new CustomEvent("timeline:more", { bubbles: true }));
  }

  var older = document.getElementById("older"), loading = false;
  function more() {
    if (!older || loading) return;
    loading = true;
    older.setAttribute("aria-busy", "true");
    older.textContent = "Loading older photos…";
    fetch(older.href, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        append(doc);
        var next = doc.getElementById("older");
        if (next) {
          older.href = next.getAttribute("href");
          older.textContent = "Older photos";
          older.removeAttribute("aria-busy");
        } else {
          observer && observer.disconnect();
          older.remove();
          older = null;
        }
      })
      .catch(function () {
        // The link still works: a click loads the next page the old way.
        if (older) { older.textContent = "Older photos"; older.removeAttribute("aria-busy"); }
      })
      .then(function () { loading = false; });
  }

  var observer = null;
  if (older && "IntersectionObserver" in window) {
    observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) more();
    }, { rootMargin: "800px 0px" });
    observer.observe(older);
  }

  layout(days);
  // The scrubber is a rail beside the timeline on wide screens, a menu on phones.
  var scrub = document.querySelector(".scrubber details");
  if (scrub && window.matchMedia("(min-width: 641px)").matches) scrub.open = true;
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(widen, 100);
  });
})();
