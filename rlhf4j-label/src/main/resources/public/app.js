// Keyboard shortcuts for the demonstration and A/B pages. No dependencies.
(function () {
  "use strict";
  const demo = document.getElementById("demo-form");
  if (demo) {
    demo.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        demo.requestSubmit();
      }
    });
  }
  const ab = document.getElementById("ab-form");
  if (ab) {
    const keys = { "1": "choose-1", "2": "choose-2", t: "choose-tie", T: "choose-tie" };
    document.addEventListener("keydown", (e) => {
      if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
      const id = keys[e.key];
      if (id) {
        e.preventDefault();
        ab.requestSubmit(document.getElementById(id));
      }
    });
  }
})();
