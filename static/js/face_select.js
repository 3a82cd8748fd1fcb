// The person page's face grid: count the selected faces, and refuse an empty selection.
(function () {
  const form = document.getElementById("face-select");
  if (!form) return;
  const counter = form.querySelector("[data-selected-count]");
  const update = () => {
    const n = form.querySelectorAll("input[name=faces]:checked").length;
    counter.textContent = n + " selected";
    form.querySelectorAll("button[name=action]").forEach((b) => (b.disabled = n === 0));
  };
  form.addEventListener("change", update);
  update();
})();
