// sreport's only script: resizes the chart snippets' SVG charts when the
// window changes or the page is printed, keeps every month label of a
// chart's x axis readable, opens a failed form at its first error and
// closes the navigation's menus the way menus close.
(function () {
  "use strict";
  // Month labels ("Dec 25") need about 46 px a month side by side and
  // 16 px upright; the y axes' labels take about 110 px. A chart with less
  // room turns its labels upright, and one too narrow even for that (24
  // months on a phone) widens inside its card, which then scrolls: no
  // month goes unlabelled and no two labels overlap.
  var sideBySide = 46, upright = 16, axes = 110;
  function fit(el, c) {
    var o = c.getOption();
    var x = o.xAxis && o.xAxis[0];
    if (!x || !x.data || !x.data.length) return;
    var n = x.data.length, need = n * upright + axes;
    // CSSOM, not a style attribute: the CSP allows it.
    el.style.minWidth = el.parentElement.clientWidth < need ? need + "px" : "";
    c.resize();
    var rotate = (c.getWidth() - axes) / n >= sideBySide ? 0 : 90;
    if ((x.axisLabel && x.axisLabel.rotate) !== rotate) {
      c.setOption({ xAxis: [{ axisLabel: { rotate: rotate } }] });
    }
  }
  function fitAll() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el);
      if (c) fit(el, c);
    });
  }
  // Deferred: runs after the charts' inline scripts have drawn them.
  fitAll();
  window.addEventListener("beforeprint", fitAll);
  window.addEventListener("afterprint", fitAll);
  window.addEventListener("resize", fitAll);
})();

// A form that failed validation comes back with its invalid fields marked
// aria-invalid="true". Forms with an error summary focus it themselves
// (autofocus); for the others, open the page at the first invalid field
// rather than at the top, where a form below the fold looks unchanged.
(function () {
  "use strict";
  function landAtError() {
    if (document.querySelector("[autofocus]")) return;
    var field = document.querySelector('input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"]');
    if (!field) return;
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", landAtError);
  } else {
    landAtError();
  }
})();

// The navigation's groups are <details> menus that open and close without
// script; this only adds what a menu is expected to do: one open at a
// time, closed by a click elsewhere or by Escape (focus returns to the
// group's summary, so a keyboard reader stays in place).
(function () {
  "use strict";
  function groups() { return document.querySelectorAll(".mainnav details.navgroup"); }
  document.addEventListener("click", function (e) {
    groups().forEach(function (d) {
      if (d.open && !d.contains(e.target)) d.open = false;
    });
  });
  document.addEventListener("toggle", function (e) {
    var t = e.target;
    if (!t.matches || !t.matches(".mainnav details.navgroup") || !t.open) return;
    groups().forEach(function (d) { if (d !== t) d.open = false; });
  }, true);
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    groups().forEach(function (d) {
      if (!d.open) return;
      d.open = false;
      if (d.contains(document.activeElement)) d.querySelector("summary").focus();
    });
  });
})();
