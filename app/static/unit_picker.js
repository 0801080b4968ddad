/* The unit picker (app/fab/unit_picker.py): search-as-you-type over
   /api/v1/unit/search. The text box is the field: typing stays in it, the list
   opens right under it, arrow keys move, Enter or a tap picks. Leaving the box
   without picking puts the chosen unit's label back. Texts come from the
   widget's data- attributes (translated on the page). No jQuery needed. */
(function () {
  if (window.MaskLogUnitPicker) { window.MaskLogUnitPicker.initAll(); return; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function init(box) {
    if (box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    var input = box.querySelector(".masklog-unit-search");
    var hidden = box.querySelector(".masklog-unit-value");
    var list = box.querySelector(".masklog-unit-options");
    var status = box.querySelector(".masklog-unit-status");
    var chosenLabel = box.getAttribute("data-label") || "";
    var results = [], active = -1, timer = null, seq = 0, lastQuery = null;

    function setStatus(text) { status.textContent = text || ""; status.hidden = !text; }
    setStatus("");

    function fitBelow() {
      // The list always opens under the box. On a phone with the keyboard up
      // little room is left there: scroll the box up to the top first, then
      // let the list take what remains of the visible height.
      var visible = window.visualViewport ? window.visualViewport.height : window.innerHeight;
      var rect = input.getBoundingClientRect();
      if (visible - rect.bottom < 220 && rect.top > 60) {
        window.scrollBy(0, rect.top - 60);
        rect = input.getBoundingClientRect();
      }
      list.style.maxHeight = Math.max(160, Math.floor(visible - rect.bottom - 8)) + "px";
    }

    function open(show) {
      if (show && list.hidden) { list.hidden = false; fitBelow(); }
      list.hidden = !show;
      input.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) { active = -1; input.removeAttribute("aria-activedescendant"); }
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({block: "nearest"});
    }

    function render(rows, limit) {
      results = rows;
      list.innerHTML = "";
      rows.forEach(function (row, i) {
        var item = el("li", "masklog-unit-option");
        item.id = input.id + "-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.appendChild(el("span", "masklog-unit-name", row.name));
        var details = [row.level_label, row.code, row.parent].filter(Boolean).join(" · ");
        item.appendChild(el("span", "masklog-unit-details", details));
        // mousedown would blur the box (and close the list) before the click lands.
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { pick(i); });
        list.appendChild(item);
      });
      if (rows.length >= limit) {  // at the end of the list, where the eye is
        var more = el("li", "masklog-unit-more", box.getAttribute("data-more"));
        more.setAttribute("role", "presentation");
        more.addEventListener("mousedown", function (event) { event.preventDefault(); });
        list.appendChild(more);
      }
      open(rows.length > 0);
      setStatus(rows.length ? "" : box.getAttribute("data-no-results"));
      if (rows.length) highlight(0);
    }

    function search() {
      var query = input.value.trim();
      if (query === lastQuery) return;
      lastQuery = query;
      var mine = ++seq;
      var url = box.getAttribute("data-url") + "?term=" + encodeURIComponent(query);
      if (box.getAttribute("data-levels")) url += "&levels=" + encodeURIComponent(box.getAttribute("data-levels"));
      if (box.getAttribute("data-within")) url += "&within=" + encodeURIComponent(box.getAttribute("data-within"));
      setStatus(box.getAttribute("data-searching"));
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (data) { if (mine === seq) render(data.results || [], 20); })
        .catch(function () { if (mine === seq) { render([], 20); setStatus(box.getAttribute("data-error")); } });
    }

    function pick(index) {
      var row = results[index];
      if (!row) return;
      var go = box.getAttribute("data-go");
      hidden.value = row.id;
      chosenLabel = row.text;
      input.value = row.text;
      lastQuery = null;
      open(false);
      setStatus("");
      input.select();  // the next key typed starts a new search
      hidden.dispatchEvent(new Event("change", {bubbles: true}));
      if (go) window.location.href = go.replace("{id}", encodeURIComponent(row.id));
    }

    function revert() {
      open(false);
      lastQuery = null;
      if (!input.value.trim() && box.getAttribute("data-allow-blank")) {
        hidden.value = ""; chosenLabel = "";
      }
      input.value = chosenLabel;
      setStatus("");
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    function selectLabel() {
      // The whole label selected: the first key typed replaces it. Later than
      // the event: the browser places the caret after a click's own handlers.
      setTimeout(function () { if (input.value && input.value === chosenLabel) input.select(); }, 0);
    }
    input.addEventListener("focus", selectLabel);
    input.addEventListener("click", selectLabel);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { lastQuery = null; search(); return; }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        // Enter picks; it never submits the form half-filled.
        if (!list.hidden && active >= 0) { event.preventDefault(); pick(active); }
        else if (input.value !== chosenLabel) event.preventDefault();
      } else if (event.key === "Escape") {
        if (!list.hidden || input.value !== chosenLabel) { event.preventDefault(); revert(); input.select(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(function () {
      if (document.activeElement !== input) revert();
    }, 0); });
  }

  function initAll() { document.querySelectorAll(".masklog-unit-picker").forEach(init); }
  window.MaskLogUnitPicker = {initAll: initAll};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
