// A suggestion's page marks it seen once it is shown, with a POST: a GET changes nothing.
(function () {
  "use strict";
  var script = document.querySelector("script[data-seen-url]");
  if (!script || !window.fetch) return;
  fetch(script.dataset.seenUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": script.dataset.csrf, "X-Requested-With": "fetch" },
  });
})();
