// Draws the charts whose data the page carries in data-* attributes.
(function () {
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = JSON.parse(el.dataset.chart);
      echarts.init(el).setOption({
        animation: false, tooltip: {}, grid: { left: 48, right: 16, bottom: 80 },
        xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 30 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: data.counts, itemStyle: { color: "#0b5d6b" }, label: { show: true, position: "top" } }]
      });
      el.dataset.drawn = "1";
    });
    document.querySelectorAll("[data-sankey]").forEach(function (el) {
      var data = JSON.parse(el.dataset.sankey);
      echarts.init(el).setOption({
        animation: false, tooltip: { trigger: "item" },
        series: [{ type: "sankey", data: data.nodes, links: data.links, emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", curveness: 0.5 } }]
      });
      el.dataset.drawn = "1";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
