// The full-screen story viewer: a title card, then each photo with a slow pan and zoom
// planned on the server (suggestions/lib/story.py) so that no face is ever cut.
// Keys: → / ← next and previous, space pauses, Esc closes. Swipe left or right; a tap
// pauses. The current slide and state are on #story (data-index, data-paused) for tests.
(function () {
  "use strict";
  const root = document.getElementById("story");
  const data = JSON.parse(document.getElementById("story-data").textContent);
  const stage = document.getElementById("story-stage");
  const bars = document.getElementById("story-bars");
  const pauseButton = document.getElementById("story-pause");
  const slides = [{ type: "title" }].concat(data.photos.map((p) => ({ type: "photo", photo: p })));
  let index = -1;
  let paused = false;
  let animations = [];

  slides.forEach(() => {
    const li = document.createElement("li");
    li.appendChild(document.createElement("span"));
    bars.appendChild(li);
  });

  function transformFor(box, vw, vh) {
    // The whole crop box inside the screen (contain), centred: faces inside the box stay
    // inside the screen whatever its shape.
    const bw = box[2] - box[0];
    const bh = box[3] - box[1];
    const s = Math.min(vw / bw, vh / bh);
    const tx = vw / 2 - s * (box[0] + bw / 2);
    const ty = vh / 2 - s * (box[1] + bh / 2);
    return `translate(${tx}px, ${ty}px) scale(${s})`;
  }

  function setBars(i) {
    bars.querySelectorAll("li span").forEach((span, j) => {
      span.getAnimations().forEach((a) => a.cancel());
      span.style.width = j < i ? "100%" : "0";
    });
  }

  function show(i) {
    if (i < 0 || i >= slides.length) return;
    animations.forEach((a) => a.cancel());
    animations = [];
    index = i;
    stage.replaceChildren();
    setBars(i);
    const slide = slides[i];
    const el = document.createElement("div");
    el.className = "story-slide";
    let duration = data.title_ms;
    if (slide.type === "title") {
      const card = document.createElement("div");
      card.className = "story-title";
      const h1 = document.createElement("h1");
      h1.textContent = data.title;
      const p = document.createElement("p");
      p.textContent = data.subtitle;
      card.append(h1, p);
      el.appendChild(card);
      el.setAttribute("aria-label", data.title);
    } else {
      duration = data.photo_ms;
      const photo = slide.photo;
      const backdrop = document.createElement("div");
      backdrop.className = "story-backdrop";
      backdrop.style.backgroundImage = `url("${photo.src}")`;
      const img = document.createElement("img");
      img.className = "story-photo";
      img.draggable = false; // a native image drag would swallow the swipe
      img.src = photo.src;
      img.alt = `Photo ${i} of ${slides.length - 1}`;
      img.style.width = `${photo.width}px`;
      img.style.height = `${photo.height}px`;
      img.dataset.photoId = photo.id;
      el.append(backdrop, img);
      const vw = stage.clientWidth;
      const vh = stage.clientHeight;
      const move = photo.motion[vw >= vh ? "landscape" : "portrait"];
      const from = transformFor(move.start, vw, vh);
      const to = transformFor(move.end, vw, vh);
      img.style.transform = from;
      animations.push(
        img.animate([{ transform: from }, { transform: to }], {
          duration, easing: "ease-in-out", fill: "forwards",
        })
      );
      preload(i + 1);
    }
    stage.appendChild(el);
    const bar = bars.children[i].firstChild;
    const clock = bar.animate([{ width: "0%" }, { width: "100%" }], { duration, fill: "forwards" });
    clock.onfinish = () => { if (index === i && i + 1 < slides.length) show(i + 1); };
    animations.push(clock);
    if (paused) animations.forEach((a) => a.pause());
    root.dataset.index = String(i);
    root.dataset.slide = slide.type;
  }

  function preload(i) {
    if (i < slides.length && slides[i].type === "photo") new Image().src = slides[i].photo.src;
  }

  function setPaused(value) {
    paused = value;
    animations.forEach((a) => (paused ? a.pause() : a.play()));
    root.classList.toggle("paused", paused);
    root.dataset.paused = String(paused);
    pauseButton.setAttribute("aria-pressed", String(paused));
    pauseButton.setAttribute("aria-label", paused ? "Play" : "Pause");
    pauseButton.textContent = paused ? "▶" : "❚❚";
  }

  const next = () => show(Math.min(index + 1, slides.length - 1));
  const prev = () => show(Math.max(index - 1, 0));
  const close = () => { window.location.href = root.dataset.close; };

  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowRight") { next(); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { prev(); e.preventDefault(); }
    else if (e.key === " " || e.key === "k") { setPaused(!paused); e.preventDefault(); }
    else if (e.key === "Escape") close();
  });
  document.getElementById("story-next").addEventListener("click", next);
  document.getElementById("story-prev").addEventListener("click", prev);
  pauseButton.addEventListener("click", () => setPaused(!paused));

  // Swipe: a horizontal drag of 50 px or more; a tap on the photo pauses or resumes.
  let start = null;
  stage.addEventListener("pointerdown", (e) => {
    start = { x: e.clientX, y: e.clientY };
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener("pointercancel", () => { start = null; });
  stage.addEventListener("pointerup", (e) => {
    if (!start) return;
    const dx = e.clientX - start.x;
    const dy = e.clientY - start.y;
    start = null;
    if (Math.abs(dx) >= 50 && Math.abs(dx) > Math.abs(dy)) (dx < 0 ? next : prev)();
    else if (Math.abs(dx) < 10 && Math.abs(dy) < 10) setPaused(!paused);
  });
  window.addEventListener("resize", () => show(index));

  // "Download as video": queue the job, then poll its progress until the MP4 is ready.
  const form = document.getElementById("video-form");
  const bar = document.getElementById("video-progress");
  const link = document.getElementById("video-link");
  const state = document.getElementById("video-state");
  function render(s) {
    state.textContent = s.status === "failed" ? `The video failed: ${s.message}` : "";
    state.dataset.status = s.status;
    bar.hidden = !(s.status === "queued" || s.status === "rendering");
    bar.value = s.progress || 0;
    link.hidden = !s.url;
    form.hidden = s.status !== "none" && s.status !== "failed";
    if (s.status === "queued" || s.status === "rendering") setTimeout(poll, 1000);
  }
  function poll() {
    fetch(root.dataset.status, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json()).then(render).catch(() => setTimeout(poll, 3000));
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
      },
    }).then((r) => r.json().then((body) => {
      if (r.ok) render(body);
      else state.textContent = body.detail || "The video could not be started.";
    }));
  });
  if (state.dataset.initial !== "none") poll();

  setPaused(false);
  show(0);
  root.focus();
})();
