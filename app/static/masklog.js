/* Without jQuery (the lean pages of masklog_base.html): what Bootstrap's
   script does for the navbar — the phone menu button, dropdown menus — and the
   close button of messages. */
(function () {
  if (window.jQuery) return;
  function closeMenus(except) {
    document.querySelectorAll(".dropdown.open").forEach(function (menu) {
      if (menu !== except) menu.classList.remove("open");
    });
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle], [data-dismiss=alert]");
    if (!toggle) { closeMenus(null); return; }
    if (toggle.getAttribute("data-dismiss") === "alert") {
      toggle.closest(".alert").remove();
    } else if (toggle.getAttribute("data-toggle") === "collapse") {
      var target = document.querySelector(toggle.getAttribute("data-target") || toggle.getAttribute("href"));
      if (target) target.classList.toggle("in");
      toggle.setAttribute("aria-expanded", target && target.classList.contains("in") ? "true" : "false");
    } else if (toggle.getAttribute("data-toggle") === "dropdown") {
      var menu = toggle.closest(".dropdown, .btn-group");
      closeMenus(menu);
      menu.classList.toggle("open");
    } else {
      return;
    }
    event.preventDefault();
  });
})();

/* Small fixes to FAB's scripts for Thai users. Translated strings come from the
   page (data-i18n on this script tag), so the file itself stays cacheable. */
(function ($) {
  var i18n = JSON.parse(document.currentScript.getAttribute("data-i18n") || "{}");
  if (!$ || !$.fn) return;
  // FAB's list filters call a date-time picker FAB 5 no longer ships (a
  // TypeError on every date filter). Dates are typed, in B.E., as on the today page.
  if (!$.fn.datetimepicker) {
    $.fn.datetimepicker = function () {
      return this.each(function () {
        // data-provide would open bootstrap-datepicker: English months, C.E. years.
        var $box = $(this).removeAttr("data-provide");
        $box.find(".input-group-addon").remove();
        $box.find("input").addBack("input").attr({placeholder: i18n.datePlaceholder, autocomplete: "off"});
      });
    };
  }
  // Select2 speaks English by default.
  if ($.fn.select2 && $.fn.select2.defaults) {
    $.fn.select2.defaults.set("language", {
      noResults: function () { return i18n.noResults; },
      searching: function () { return i18n.searching; },
      loadingMore: function () { return i18n.loadingMore; },
      errorLoading: function () { return i18n.errorLoading; },
      removeAllItems: function () { return i18n.removeAllItems; },
      inputTooShort: function (args) { return i18n.inputTooShort.replace("{n}", args.minimum - args.input.length); },
      inputTooLong: function (args) { return i18n.inputTooLong.replace("{n}", args.input.length - args.maximum); },
      maximumSelected: function (args) { return i18n.maximumSelected.replace("{n}", args.maximum); }
    });
  }
})(window.jQuery);

/* A table that scrolls sideways inside .masklog-scroll-frame: the hint and the
   fade at the right edge show only while some columns are out of sight. */
(function () {
  function update(frame) {
    var box = frame.querySelector(".masklog-scroll");
    if (!box) return;
    var overflows = box.scrollWidth > box.clientWidth + 1;
    frame.classList.toggle("masklog-overflows", overflows);
    frame.classList.toggle("masklog-fits", !overflows);
    frame.classList.toggle("masklog-at-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 2);
  }
  function all() { document.querySelectorAll(".masklog-scroll-frame").forEach(update); }
  document.querySelectorAll(".masklog-scroll-frame .masklog-scroll").forEach(function (box) {
    box.addEventListener("scroll", function () { update(box.closest(".masklog-scroll-frame")); }, {passive: true});
  });
  window.addEventListener("resize", all);
  window.addEventListener("load", all);  // after the web font: column widths change with it
  all();
})();
