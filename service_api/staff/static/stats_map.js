// /staff/stats: the streets or communities coloured by the chosen rate for the page's period and basis
// (/api/v1/map/rates, the same rollup as the table), with a ranked list beside the map.
(function () {
  "use strict";
  var box = document.getElementById("rate-map");
  if (!box || !window.StaffMap) return;
  var M = window.StaffMap;
  var select = document.getElementById("rate-map-rate");
  var levelSelect = document.getElementById("rate-map-level");
  var state = {rate: null, level: null, shown: {}};
  window.rateMap = state;
  var pct = function (v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; };
  // Rates are coloured on a fixed scale (50 %–100 %) so two periods' maps compare; below 50 % is the darkest.
  var shade = function (v) { return v === null || v === undefined ? null : M.ramp(1 - Math.max(0, (v - 0.5) / 0.5)); };
  // Outline zoom of each level (communities are small: finer outlines), and whether names stay on the map
  // (11 streets fit; 55 communities would cover it, so theirs show on hover and in the list).
  var LEVEL = {street: {zoom: 13, labels: true}, community: {zoom: 14, labels: false}};

  M.create(box).then(function (made) {
    var map = made.map, data = null, seq = 0;
    var labels = L.layerGroup().addTo(map);
    var figure = function (code) { var a = data && data.areas[code]; return a ? a[state.rate] : null; };
    var layer = L.geoJSON(null, {
      style: function (f) {
        var fig = figure(f.properties.code), colour = shade(fig ? fig.value : null);
        return {color: "#0d2b4e", weight: state.level === "street" ? 1.5 : 0.8, fillColor: colour || "#c8ced4",
                fillOpacity: colour ? 0.8 : 0.5};
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(function () {
          var fig = figure(f.properties.code);
          return f.properties.name + "：" + (fig ? pct(fig.value) + "（" + fig.numerator + " / " + fig.denominator + "）"
                                                 : "—（无数据）");
        }, {sticky: true});
      }
    }).addTo(map);

    function paint() {
      state.rate = select.value || state.rate;
      layer.setStyle(layer.options.style);
      state.shown = {};
      var rank = document.getElementById("rate-map-rank");
      rank.innerHTML = "";
      layer.eachLayer(function (l) {
        var fig = figure(l.feature.properties.code);
        state.shown[l.feature.properties.code] = fig ? fig.value : null;
      });
      Object.keys(data.areas).map(function (code) { return [code, data.areas[code]]; })
        .sort(function (a, b) { return (b[1][state.rate].value || -1) - (a[1][state.rate].value || -1); })
        .forEach(function (pair) {
          var fig = pair[1][state.rate];
          rank.appendChild(M.el("li", pair[1].name + " " + pct(fig.value) + "（" + fig.numerator + " / " +
                                fig.denominator + "）", {"data-code": pair[0]}));
        });
      var legend = document.getElementById("rate-map-legend");
      legend.innerHTML = "";
      legend.appendChild(M.el("span", "≤50% "));
      M.RAMP.slice().reverse().forEach(function (colour) {
        var sw = M.el("span", "", {"class": "swatch"});
        sw.style.background = colour;
        legend.appendChild(sw);
      });
      legend.appendChild(M.el("span", " 100%　"));
      var none = M.el("span", "", {"class": "swatch"});
      none.style.background = "#c8ced4";
      legend.appendChild(none);
      legend.appendChild(M.el("span", " 无数据"));
      box.setAttribute("data-level", state.level);
      box.setAttribute("data-rate", state.rate);
    }

    // One level's figures and outlines; a later choice wins over a slower earlier one.
    function load(level) {
      var mine = ++seq;
      box.removeAttribute("data-rate");
      var url = box.getAttribute("data-url") + "&level=" + encodeURIComponent(level);
      return Promise.all([M.getJSON(url), M.areas(made.config, level, LEVEL[level].zoom)]).then(function (r) {
        if (mine !== seq) return;
        data = r[0];
        state.level = level;
        if (!select.options.length) {
          data.rates.forEach(function (rate) {
            select.appendChild(M.el("option", rate.label, {value: rate.name, title: rate.definition}));
          });
          state.rate = data.rates[0].name;
        }
        layer.clearLayers();
        labels.clearLayers();
        layer.addData(r[1]);
        if (LEVEL[level].labels) {
          r[1].features.forEach(function (f) {
            L.tooltip({permanent: true, direction: "center", className: "area-label", interactive: false})
              .setContent(f.properties.name).setLatLng(L.geoJSON(f).getBounds().getCenter()).addTo(labels);
          });
        }
        paint();
      });
    }

    var first = levelSelect && LEVEL[levelSelect.value] ? levelSelect.value : "street";
    load(first).catch(function () { box.textContent = "无法读取地图数据。"; });
    select.addEventListener("change", paint);
    if (levelSelect) {
      levelSelect.addEventListener("change", function () {
        load(levelSelect.value).catch(function () { box.textContent = "无法读取地图数据。"; });
      });
    }
  }, function () { box.textContent = "无法读取地图数据。"; });
})();
