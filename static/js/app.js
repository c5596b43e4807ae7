// sreport's only script: initialises the chart snippets' containers when the
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
