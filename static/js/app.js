// sreport's script: initialises the chart snippets' containers when the
// page is printed so SVG charts are resized to the paper width.
(function () {
  "use strict";
  function resizeCharts() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  }
  window.addEventListener("beforeprint", resizeCharts);
  window.addEventListener("afterprint", resizeCharts);
  window.addEventListener("resize", resizeCharts);
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
