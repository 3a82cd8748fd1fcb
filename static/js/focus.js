// Face-aware crops: a cropped image with data-focus is anchored where its faces are
// (photos/lib/focus.py computed the position). The CSP allows no style attributes in the
// markup, but the CSSOM is fine.
(function () {
  "use strict";
  function apply(root) {
    root.querySelectorAll("img[data-focus]").forEach(function (img) {
      img.style.objectPosition = img.dataset.focus;
    });
  }
  apply(document);
  document.addEventListener("timeline:more", function () { apply(document); });
})();
