// /staff/stats: the streets coloured by the chosen rate for the page's period and basis (/api/v1/map/rates, the
// same rollup as the table), with a ranked list beside the map.
(function () {
  "use strict";
  var box = document.getElementById("rate-map");
  if (!box || !window.StaffMap) return;
  var M = window.StaffMap;
  var select = document.getElementById("rate-map-rate");
  var state = {rate: null, shown: {}};
  window.rateMap = state;
  var pct = function (v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; };
  // Rates are coloured on a fixed scale (50 %–100 %) so two periods' maps compare; below 50 % is the darkest.
  var shade = function (v) { return v === null || v === undefined ? null : M.ramp(1 - Math.max(0, (v - 0.5) / 0.5)); };

  Promise.all([M.create(box), M.getJSON(box.getAttribute("data-url"))]).then(function (r) {
    var map = r[0].map, data = r[1];
    data.rates.forEach(function (rate) {
      var option = M.el("option", rate.label, {value: rate.name, title: rate.definition});
      select.appendChild(option);
    });
    state.rate = data.rates[0].name;
    var figure = function (code) { var a = data.areas[code]; return a ? a[state.rate] : null; };
    var layer = L.geoJSON(null, {
      style: function (f) {
        var fig = figure(f.properties.code), colour = shade(fig ? fig.value : null);
        return {color: "#0d2b4e", weight: 1.5, fillColor: colour || "#c8ced4", fillOpacity: colour ? 0.8 : 0.5};
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
      box.setAttribute("data-rate", state.rate);
    }
    M.areas(r[0].config, "street", 13).then(function (fc) {
      layer.addData(fc);
      fc.features.forEach(function (f) {
        L.tooltip({permanent: true, direction: "center", className: "area-label", interactive: false})
          .setContent(f.properties.name).setLatLng(L.geoJSON(f).getBounds().getCenter()).addTo(map);
      });
      paint();
    });
    select.addEventListener("change", paint);
  }, function () { box.textContent = "无法读取地图数据。"; });
})();
