// Library: multi-select delete and confirmations (no inline scripts under the CSP).
(function () {
  "use strict";
  var form = document.getElementById("library-form");
  if (form) {
    var button = document.getElementById("delete-selected");
    var count = document.getElementById("selection-count");
    var update = function () {
      var n = form.querySelectorAll("input[name=ids]:checked").length;
      button.disabled = n === 0;
      count.textContent = n ? n + " selected" : "Select photos to delete them.";
    };
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
    update();
  }
  document.querySelectorAll("form.confirm-delete").forEach(function (el) {
    el.addEventListener("submit", function (event) {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
})();
