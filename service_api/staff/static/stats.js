// Charts of /staff/stats with the locally served ECharts (no CDN).
(function () {
  "use strict";
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var pct = function (v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; };
  var font = {fontFamily: "Noto Sans CJK SC, sans-serif"};
  var trend = echarts.init(document.getElementById("chart-trend"));
  trend.setOption({
    textStyle: font, tooltip: {trigger: "axis"}, legend: {data: ["满意率", "结案率", "按期结案率", "受理数"]},
    grid: {left: 48, right: 48, bottom: 40},
    xAxis: {type: "category", data: data.trend.labels},
    yAxis: [{type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}, {type: "value", name: "件"}],
    series: [
      {name: "受理数", type: "bar", yAxisIndex: 1, data: data.trend.cases, itemStyle: {opacity: 0.3}, z: 1},
      {name: "满意率", type: "line", data: data.trend.satisfaction.map(pct), connectNulls: true, symbolSize: 8, z: 3},
      {name: "结案率", type: "line", data: data.trend.closed_rate.map(pct), connectNulls: true, symbolSize: 8, z: 3},
      {name: "按期结案率", type: "line", data: data.trend.on_time.map(pct), connectNulls: true, symbolSize: 8, z: 3}
    ]
  });
  var barsBox = document.getElementById("chart-departments");  // absent when no case was rated: "无数据"
  var bars = barsBox && echarts.init(barsBox);
  if (bars) bars.setOption({
    textStyle: font, tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }},
    grid: {left: 160, right: 56, bottom: 30},
    xAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
    yAxis: {type: "category", data: data.departments.labels, inverse: true},
    series: [{name: "满意率", type: "bar", data: data.departments.satisfaction.map(pct), label: {show: true, position: "right", formatter: "{c}%"}}]
  });
  window.addEventListener("resize", function () { trend.resize(); if (bars) bars.resize(); });
})();
