// Ranking with ties: state is a list of tie groups (best first) of response indices, the same
// shape as the Ranking record's "ranking" field. Pointer events (mouse, pen, touch) for dragging,
// arrow keys for keyboard users. Cards are moved, never re-created, so their ratings survive.
(function () {
  "use strict";
  const list = document.getElementById("ranking");
  const form = document.getElementById("rank-form");
  const input = document.getElementById("ranking-input");
  const status = document.getElementById("rank-status");
  if (!list || !form) return;

  const cards = new Map();
  let groups = [];
  list.querySelectorAll(".card").forEach((card) => {
    const index = Number(card.dataset.index);
    cards.set(index, card);
    groups.push([index]);
  });

  function render(focusIndex) {
    list.textContent = "";
    list.appendChild(gap(0));
    groups.forEach((group, g) => {
      const li = document.createElement("li");
      li.className = "group" + (group.length > 1 ? " tied" : "");
      li.dataset.group = String(g);
      const rank = document.createElement("div");
      rank.className = "rank";
      rank.textContent = String(g + 1);
      const box = document.createElement("div");
      box.className = "cards";
      group.forEach((i) => box.appendChild(cards.get(i)));
      li.append(rank, box);
      list.appendChild(li);
      list.appendChild(gap(g + 1));
    });
    input.value = JSON.stringify(groups);
    if (focusIndex !== undefined) {
      const card = cards.get(focusIndex);
      card.focus();
      card.classList.remove("moved");
      void card.offsetWidth;
      card.classList.add("moved");
    }
  }

  function gap(position) {
    const div = document.createElement("li");
    div.className = "gap";
    div.dataset.gap = String(position);
    div.setAttribute("aria-hidden", "true");
    return div;
  }

  function groupOf(index) {
    return groups.findIndex((g) => g.includes(index));
  }

  function remove(index) {
    const g = groupOf(index);
    groups[g] = groups[g].filter((i) => i !== index);
    const emptied = groups[g].length === 0;
    if (emptied) groups.splice(g, 1);
    return { g, emptied };
  }

  // Insert index as its own group before position p (positions refer to the state before removal).
  function moveToGap(index, p) {
    const { g, emptied } = remove(index);
    if (emptied && g < p) p -= 1;
    groups.splice(p, 0, [index]);
  }

  function moveIntoGroup(index, target) {
    if (groupOf(index) === target) return;
    const { g, emptied } = remove(index);
    if (emptied && g < target) target -= 1;
    groups[target].push(index);
  }

  function describe(index) {
    const g = groupOf(index);
    const tied = groups[g].filter((i) => i !== index).map((i) => i + 1);
    return "Response " + (index + 1) + ": rank " + (g + 1) + (tied.length ? ", tied with " + tied.join(", ") : "");
  }

  // Keyboard: one step up = alone -> tied with the group above -> alone above it, and so on.
  list.addEventListener("keydown", (e) => {
    const card = e.target.closest(".card");
    if (!card || e.target !== card) return;
    if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
    e.preventDefault();
    const index = Number(card.dataset.index);
    const g = groupOf(index);
    const alone = groups[g].length === 1;
    if (e.key === "ArrowUp") {
      if (!alone) moveToGap(index, g);
      else if (g > 0) moveIntoGroup(index, g - 1);
      else return;
    } else {
      if (!alone) moveToGap(index, g + 1);
      else if (g < groups.length - 1) moveIntoGroup(index, g + 1);
      else return;
    }
    render(index);
    status.textContent = describe(index);
  });

  // Pointer dragging by the handle.
  let drag = null;
  list.addEventListener("pointerdown", (e) => {
    const handle = e.target.closest(".handle");
    if (!handle || e.button !== 0) return;
    e.preventDefault();
    const card = handle.closest(".card");
    drag = { index: Number(card.dataset.index), card, target: null };
    card.classList.add("dragging");
    list.classList.add("dragging-active");
    handle.setPointerCapture(e.pointerId);
  });
  list.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const under = document.elementFromPoint(e.clientX, e.clientY);
    const target = under && (under.closest(".gap") || under.closest(".group"));
    if (drag.target && drag.target !== target) drag.target.classList.remove("drop-target");
    drag.target = target && list.contains(target) ? target : null;
    if (drag.target) drag.target.classList.add("drop-target");
  });
  function finish() {
    if (!drag) return;
    const { index, card, target } = drag;
    drag = null;
    card.classList.remove("dragging");
    list.classList.remove("dragging-active");
    if (!target) return;
    target.classList.remove("drop-target");
    if (target.dataset.gap !== undefined) moveToGap(index, Number(target.dataset.gap));
    else moveIntoGroup(index, Number(target.dataset.group));
    render(index);
    status.textContent = describe(index);
  }
  list.addEventListener("pointerup", finish);
  list.addEventListener("pointercancel", () => {
    if (drag && drag.target) drag.target.classList.remove("drop-target");
    if (drag) {
      drag.card.classList.remove("dragging");
      list.classList.remove("dragging-active");
    }
    drag = null;
  });

  form.addEventListener("submit", (e) => {
    if (groups.length < 2) {
      e.preventDefault();
      status.textContent = "Not everything can be tied: rank at least one response above another.";
      status.classList.add("error");
      return;
    }
    input.value = JSON.stringify(groups);
  });

  render();
})();
