// The full-screen viewer: any link to a photo page with a data-viewer attribute opens in it (timeline,
// person, album, suggestion, search). Previous/next by arrow keys, buttons and swipe;
// zoom by wheel, pinch and double-tap; Escape closes. The URL follows the photo
// (pushState on open, replaceState while browsing), so Back closes the viewer and a
// copied link opens the photo's own page. No inline scripts or styles (the CSP).
(function () {
  "use strict";
  var overlay = null, links = [], index = -1, info = null, pushed = false;
  var scale = 1, tx = 0, ty = 0, showFaces = true, showInfo = window.innerWidth > 900;
  var pointers = {}, pinchStart = null, swipeStart = null, lastTap = 0, gridUrl = null;

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function build() {
    overlay = el("div", { class: "viewer", role: "dialog", "aria-modal": "true", "aria-label": "Photo viewer", tabindex: "-1" });
    overlay.innerHTML =
      '<div class="viewer-stage"><div class="viewer-frame"></div></div>' +
      '<div class="viewer-bar">' +
      '<button type="button" class="viewer-btn" data-act="close" aria-label="Close (Escape)">✕</button>' +
      '<span class="viewer-title"></span>' +
      '<button type="button" class="viewer-btn" data-act="faces" aria-pressed="true">Faces</button>' +
      '<button type="button" class="viewer-btn" data-act="info" aria-pressed="false">Info</button>' +
      '<a class="viewer-btn" data-act="download" download>Download</a>' +
      '<button type="button" class="viewer-btn" data-act="album">Add to album</button>' +
      '<button type="button" class="viewer-btn danger" data-act="delete">Delete</button>' +
      "</div>" +
      '<button type="button" class="viewer-nav prev" data-act="prev" aria-label="Previous photo (left arrow)">‹</button>' +
      '<button type="button" class="viewer-nav next" data-act="next" aria-label="Next photo (right arrow)">›</button>' +
      '<aside class="viewer-info" aria-label="About this photo"></aside>' +
      '<div class="viewer-album" hidden></div>' +
      '<p class="viewer-status" role="status" aria-live="polite"></p>';
    document.body.appendChild(overlay);
    overlay.addEventListener("click", onClick);
    var stage = overlay.querySelector(".viewer-stage");
    stage.addEventListener("wheel", onWheel, { passive: false });
    stage.addEventListener("pointerdown", onPointerDown);
    stage.addEventListener("pointermove", onPointerMove);
    stage.addEventListener("pointerup", onPointerUp);
    stage.addEventListener("pointercancel", onPointerUp);
    stage.addEventListener("dblclick", function (e) { toggleZoom(e.clientX, e.clientY); });
  }

  function collect() {
    links = Array.prototype.slice.call(document.querySelectorAll("a[data-viewer]"));
  }

  function open(link) {
    if (!overlay) build();
    collect();
    index = links.indexOf(link);
    gridUrl = location.href;
    overlay.classList.add("open");
    document.body.classList.add("viewer-open");
    show(true);
    overlay.focus();
  }

  function close(fromHistory) {
    if (!overlay || !overlay.classList.contains("open")) return;
    overlay.classList.remove("open");
    document.body.classList.remove("viewer-open");
    var frame = overlay.querySelector(".viewer-frame");
    var video = frame.querySelector("video");
    if (video) video.pause();
    frame.innerHTML = "";
    if (!fromHistory && pushed) { pushed = false; history.back(); }
    else if (!fromHistory && gridUrl) history.replaceState(null, "", gridUrl);
    pushed = false;
    if (links[index]) links[index].focus();
  }

  function go(step) {
    var next = index + step;
    if (next < 0 || next >= links.length) { status(step < 0 ? "This is the first photo." : "This is the last photo."); return; }
    index = next;
    show(false);
  }

  function status(text) { overlay.querySelector(".viewer-status").textContent = text; }

  function show(first) {
    var link = links[index];
    if (!link) return;
    var url = link.getAttribute("href");
    if (first) { history.pushState({ viewer: url }, "", url); pushed = true; }
    else history.replaceState({ viewer: url }, "", url);
    resetZoom();
    status("");
    overlay.querySelector(".viewer-album").hidden = true;
    overlay.querySelector(".prev").disabled = index === 0;
    overlay.querySelector(".next").disabled = index === links.length - 1;
    var wanted = index;
    // data-viewer names the info URL, or is empty: the photo page's URL + "info/".
    var infoUrl = link.dataset.viewer || url.replace(/\/?$/, "/") + "info/";
    fetch(infoUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (wanted === index) render(data); })
      .catch(function () { status("This photo could not be loaded (it may have been deleted)."); });
  }

  function render(data) {
    info = data;
    overlay.dataset.photoId = data.id;
    overlay.querySelector(".viewer-title").textContent = data.date + " · " + data.time;
    overlay.querySelector("[data-act=download]").setAttribute("href", data.download_url);
    var frame = overlay.querySelector(".viewer-frame");
    frame.innerHTML = "";
    var media;
    if (data.kind === "video" && data.display_url) {
      media = el("video", { controls: "", preload: "metadata", src: data.display_url });
      if (data.poster_url) media.setAttribute("poster", data.poster_url);
    } else if (data.kind === "video") {
      // A format browsers cannot play (e.g. some .mov, .avi): the poster and a download.
      media = el("img", { src: data.poster_url || "", alt: "Poster of " + data.name });
      frame.appendChild(media);
      var note = el("p", { class: "viewer-note" }, "Your browser cannot play this video format. ");
      var dl = el("a", { href: data.download_url, download: "" }, "Download it");
      note.appendChild(dl);
      frame.appendChild(note);
      media = null;
    } else if (data.display_url) {
      media = el("img", { src: data.display_url, alt: data.name + ", " + data.date, draggable: "false" });
    } else {
      media = el("p", { class: "viewer-note" }, "The preview is being made.");
    }
    if (media) frame.appendChild(media);
    (data.faces || []).forEach(function (face) {
      if (!face.box) return;
      var box = el("a", { class: "face-box", href: face.person_url || "#", title: face.name });
      if (!face.person_url) box.removeAttribute("href");
      box.style.left = face.box[0] * 100 + "%";
      box.style.top = face.box[1] * 100 + "%";
      box.style.width = (face.box[2] - face.box[0]) * 100 + "%";
      box.style.height = (face.box[3] - face.box[1]) * 100 + "%";
      box.appendChild(el("span", { class: "face-name" }, face.name));
      frame.appendChild(box);
    });
    frame.classList.toggle("hide-faces", !showFaces);
    // Text read in the photo: its boxes are drawn only on request (the info panel's button).
    (data.text || []).forEach(function (line) {
      if (!line.box) return;
      var xs = line.box.map(function (p) { return p[0]; });
      var ys = line.box.map(function (p) { return p[1]; });
      var left = Math.min.apply(null, xs), top = Math.min.apply(null, ys);
      var box = el("span", { class: "text-box", title: line.text });
      box.style.left = left * 100 + "%";
      box.style.top = top * 100 + "%";
      box.style.width = (Math.max.apply(null, xs) - left) * 100 + "%";
      box.style.height = (Math.max.apply(null, ys) - top) * 100 + "%";
      frame.appendChild(box);
    });
    frame.classList.add("hide-text");
    renderInfo(data);
  }

  function row(dl, term, value, href) {
    if (value == null || value === "" || (value.length === 0)) return;
    dl.appendChild(el("dt", {}, term));
    var dd = el("dd");
    if (href) dd.appendChild(el("a", { href: href }, value)); else dd.textContent = value;
    dl.appendChild(dd);
  }

  function renderInfo(data) {
    var aside = overlay.querySelector(".viewer-info");
    aside.innerHTML = "";
    aside.appendChild(el("h2", {}, data.name));
    var dl = el("dl", { class: "meta" });
    row(dl, "Taken", data.date + ", " + data.time);
    row(dl, "Time zone", data.zone);
    row(dl, "Place", data.place);
    row(dl, "Camera", data.camera);
    row(dl, "Size", [data.dimensions, data.size].filter(Boolean).join(", "));
    if (data.duration) row(dl, "Length", data.duration + " s");
    row(dl, "People", (data.faces || []).map(function (f) { return f.name; }).join(", "));
    row(dl, "Themes", (data.themes || []).join(", "));
    row(dl, "Things", (data.objects || []).join(", "));
    aside.appendChild(dl);
    if (data.details && data.details.length) {
      var details = el("details");
      details.appendChild(el("summary", {}, "Details"));
      var list = el("ul", { class: "scores" });
      data.details.forEach(function (t) { list.appendChild(el("li", {}, t.label + " " + t.score.toFixed(2))); });
      details.appendChild(list);
      aside.appendChild(details);
    }
    if (data.text && data.text.length) {
      var read = el("details", { class: "viewer-text" });
      read.appendChild(el("summary", {}, "Text in the photo (" + data.text.length + (data.text.length === 1 ? " line)" : " lines)")));
      var lines = el("ul", { class: "text-lines" });
      data.text.forEach(function (line) { lines.appendChild(el("li", {}, line.text)); });
      read.appendChild(lines);
      var where = el("button", { type: "button", class: "btn small", "aria-pressed": "false" }, "Show where on the photo");
      where.addEventListener("click", function () {
        var shown = overlay.querySelector(".viewer-frame").classList.toggle("hide-text") === false;
        where.setAttribute("aria-pressed", String(shown));
        where.textContent = shown ? "Hide the boxes" : "Show where on the photo";
      });
      read.appendChild(where);
      aside.appendChild(read);
    }
    var p = el("p");
    p.appendChild(el("a", { href: data.privacy_log_url }, "What was analysed (privacy log)"));
    aside.appendChild(p);
    var p2 = el("p");
    p2.appendChild(el("a", { href: data.page_url }, "Photo page (faces, analysis steps)"));
    aside.appendChild(p2);
    overlay.classList.toggle("with-info", showInfo);
    overlay.querySelector("[data-act=info]").setAttribute("aria-pressed", String(showInfo));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    }).then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.detail || r.status); return j; }); });
  }

  function remove() {
    if (!info) return;
    if (!window.confirm("Move this photo to the trash? You can restore it from the Trash.")) return;
    post(info.delete_url, new FormData()).then(function () {
      var link = links[index];
      var tile = link.closest(".tile, .vtile, .jtile") || link;
      tile.parentNode && tile.parentNode.removeChild(tile);
      links.splice(index, 1);
      if (!links.length) { close(false); return; }
      if (index >= links.length) index = links.length - 1;
      show(false);
      status("Moved to the trash.");
    }).catch(function (e) { status("Not deleted: " + e.message); });
  }

  function albumPanel() {
    var panel = overlay.querySelector(".viewer-album");
    if (!panel.hidden) { panel.hidden = true; return; }
    panel.innerHTML = "";
    panel.appendChild(el("h2", {}, "Add to album"));
    var list = el("ul");
    (info.albums || []).forEach(function (album) {
      var li = el("li");
      var b = el("button", { type: "button", class: "btn small", "data-add": album.add_url }, album.title);
      li.appendChild(b);
      list.appendChild(li);
    });
    panel.appendChild(list);
    var form = el("form", { class: "viewer-new-album" });
    var label = el("label", { for: "viewer-album-title" }, "New album");
    var input = el("input", { id: "viewer-album-title", name: "title", maxlength: "200", required: "" });
    form.appendChild(label); form.appendChild(input);
    form.appendChild(el("button", { type: "submit", class: "btn small primary" }, "Create and add"));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = new FormData(); body.append("title", input.value); body.append("ids", info.id);
      post(info.album_create_url, body).then(function (j) {
        status("Added to the new album “" + j.title + "”."); panel.hidden = true;
      }).catch(function (err) { status("Not added: " + err.message); });
    });
    panel.appendChild(form);
    panel.hidden = false;
  }

  function onClick(e) {
    var add = e.target.closest("[data-add]");
    if (add) {
      var body = new FormData(); body.append("ids", info.id);
      post(add.dataset.add, body).then(function (j) {
        status(j.added ? "Added to “" + j.title + "”." : "Already in “" + j.title + "”.");
        overlay.querySelector(".viewer-album").hidden = true;
      }).catch(function (err) { status("Not added: " + err.message); });
      return;
    }
    var target = e.target.closest("[data-act]");
    if (!target) return;
    var act = target.dataset.act;
    if (act === "close") close(false);
    else if (act === "prev") go(-1);
    else if (act === "next") go(1);
    else if (act === "faces") {
      showFaces = !showFaces;
      target.setAttribute("aria-pressed", String(showFaces));
      overlay.querySelector(".viewer-frame").classList.toggle("hide-faces", !showFaces);
    } else if (act === "info") {
      showInfo = !showInfo;
      overlay.classList.toggle("with-info", showInfo);
      target.setAttribute("aria-pressed", String(showInfo));
    } else if (act === "delete") remove();
    else if (act === "album") albumPanel();
  }

  // --- Zoom and gestures ----------------------------------------------------------------
  function apply() {
    var frame = overlay.querySelector(".viewer-frame");
    frame.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + scale + ")";
    overlay.classList.toggle("zoomed", scale > 1);
  }
  function resetZoom() { scale = 1; tx = 0; ty = 0; if (overlay) apply(); }
  function zoomAt(factor, cx, cy) {
    var stage = overlay.querySelector(".viewer-stage").getBoundingClientRect();
    var next = Math.min(8, Math.max(1, scale * factor));
    var ox = cx - (stage.left + stage.width / 2), oy = cy - (stage.top + stage.height / 2);
    tx = ox - (ox - tx) * (next / scale);
    ty = oy - (oy - ty) * (next / scale);
    scale = next;
    if (scale === 1) { tx = 0; ty = 0; }
    apply();
  }
  function toggleZoom(x, y) { if (scale > 1) resetZoom(); else zoomAt(2.5, x, y); }
  function onWheel(e) {
    if (overlay.querySelector("video")) return;
    e.preventDefault();
    zoomAt(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX, e.clientY);
  }
  function distance() {
    var p = Object.keys(pointers).map(function (k) { return pointers[k]; });
    return Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
  }
  function onPointerDown(e) {
    if (e.target.closest("video, a, button")) return;
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    var n = Object.keys(pointers).length;
    if (n === 2) { pinchStart = { d: distance(), scale: scale }; swipeStart = null; }
    else if (n === 1) {
      swipeStart = { x: e.clientX, y: e.clientY, tx: tx, ty: ty, t: Date.now() };
      if (e.pointerType === "touch") {
        if (Date.now() - lastTap < 300) { toggleZoom(e.clientX, e.clientY); lastTap = 0; swipeStart = null; }
        else lastTap = Date.now();
      }
    }
  }
  function onPointerMove(e) {
    if (!pointers[e.pointerId]) return;
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    if (pinchStart && Object.keys(pointers).length === 2) {
      var target = pinchStart.scale * distance() / pinchStart.d;
      zoomAt(target / scale, e.clientX, e.clientY);
    } else if (swipeStart && scale > 1) {
      tx = swipeStart.tx + e.clientX - swipeStart.x; ty = swipeStart.ty + e.clientY - swipeStart.y; apply();
    }
  }
  function onPointerUp(e) {
    delete pointers[e.pointerId];
    if (Object.keys(pointers).length < 2) pinchStart = null;
    if (swipeStart && scale === 1) {
      var dx = e.clientX - swipeStart.x, dy = e.clientY - swipeStart.y;
      if (Math.abs(dx) > 60 && Math.abs(dx) > 1.5 * Math.abs(dy)) go(dx < 0 ? 1 : -1);
      else if (dy > 120 && Math.abs(dy) > 2 * Math.abs(dx)) close(false);
    }
    swipeStart = null;
  }

  // --- Wiring ---------------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var link = e.target.closest && e.target.closest("a[data-viewer]");
    if (!link || (overlay && overlay.contains(link))) return;
    e.preventDefault();
    open(link);
  });
  document.addEventListener("keydown", function (e) {
    if (!overlay || !overlay.classList.contains("open")) return;
    if (e.target.closest && e.target.closest("input, textarea, select")) return;
    if (e.key === "Escape") { e.preventDefault(); close(false); }
    else if (e.key === "ArrowRight") { e.preventDefault(); go(1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); go(-1); }
    else if (e.key === "i") overlay.querySelector("[data-act=info]").click();
    else if (e.key === "f") overlay.querySelector("[data-act=faces]").click();
    else if (e.key === "+" || e.key === "=") zoomAt(1.25, innerWidth / 2, innerHeight / 2);
    else if (e.key === "-") zoomAt(0.8, innerWidth / 2, innerHeight / 2);
  });
  window.addEventListener("popstate", function (e) {
    if (!overlay || !overlay.classList.contains("open")) return;
    var state = e.state && e.state.viewer;
    if (!state) { pushed = false; close(true); return; }
    var i = links.findIndex(function (l) { return l.getAttribute("href") === state; });
    if (i >= 0) { index = i; show(false); } else close(true);
  });
})();
