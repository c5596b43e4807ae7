// sreport's only script: resizes the chart snippets' SVG charts when the
// window changes or the page is printed, and keeps every month label of a
// chart's x axis readable.
(function () {
  "use strict";
  // Month labels ("Dec 25") are about 40 px wide side by side and 14 px
  // upright; below 46 px a month they turn upright instead of being
  // skipped, so every month stays labelled on a phone and over 24 months.
  var sideBySide = 46;
  function fitLabels(c) {
    var o = c.getOption();
    var x = o.xAxis && o.xAxis[0];
    if (!x || !x.data || !x.data.length) return;
    // The drawing takes the chart's width less the y axes' labels.
    var perMonth = (c.getWidth() - 90) / x.data.length;
    var rotate = perMonth >= sideBySide ? 0 : 90;
    if ((x.axisLabel && x.axisLabel.rotate) !== rotate) {
      c.setOption({ xAxis: [{ axisLabel: { rotate: rotate } }] });
    }
  }
  function eachChart(fn) {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el);
      if (c) fn(c);
    });
  }
  function resizeCharts() {
    eachChart(function (c) { c.resize(); fitLabels(c); });
  }
  // Deferred: runs after the charts' inline scripts have drawn them.
  eachChart(fitLabels);
  window.addEventListener("beforeprint", resizeCharts);
  window.addEventListener("afterprint", resizeCharts);
  window.addEventListener("resize", resizeCharts);
})();
