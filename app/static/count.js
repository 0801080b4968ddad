/* The count sheet: the book stock after the arrivals and the difference from
   the physical count, live as the committee types (Thai digits and thousands
   separators read as the server reads them). The labels come from the page. */
(function () {
  var form = document.getElementById("count-form");
  var check = document.getElementById("stock-check");
  if (!form || !check) return;
  var THAI = "๐๑๒๓๔๕๖๗๘๙";
  function number(text) {
    var plain = String(text || "").replace(/[๐-๙]/g, function (d) { return THAI.indexOf(d); })
      .replace(/[,\s]/g, "");
    return /^[0-9]+$/.test(plain) ? parseInt(plain, 10) : null;
  }
  function format(n) { return n.toLocaleString("en-US"); }
  var before = parseInt(check.getAttribute("data-book-before"), 10) || 0;
  var after = document.getElementById("book-after");
  var physical = document.getElementById("physical-count");
  var difference = document.getElementById("difference");
  function update() {
    var book = before;
    form.querySelectorAll(".js-counted").forEach(function (input) { book += number(input.value) || 0; });
    after.textContent = format(book);
    var counted = number(physical.value);
    if (counted === null) { difference.textContent = ""; difference.className = "masklog-difference"; return; }
    var gap = counted - book;
    difference.textContent = gap === 0 ? check.getAttribute("data-match")
      : check.getAttribute("data-difference") + " " + (gap > 0 ? "+" : "") + format(gap);
    difference.className = "masklog-difference " + (gap === 0 ? "text-success" : "text-danger");
  }
  form.addEventListener("input", update);
  update();
})();
