// The case page's map: the case's point, each merged report's point, its grid's outline and the open cases nearby.
(function () {
  "use strict";
  var box = document.getElementById("case-map");
  if (!box || !window.StaffMap) return;
  var M = window.StaffMap;
  var state = {point: null, grid: null, reports: 0, nearby: 0};
  window.casePageMap = state;

  function pin(className, colour, attrs, size) {
    var extra = Object.keys(attrs).map(function (k) { return " data-" + k + '="' + attrs[k] + '"'; }).join("");
    return L.divIcon({className: "case-pt " + className, iconSize: [size, size],
                      html: "<i" + extra + (colour ? ' style="background:' + colour + '"' : "") + "></i>"});
  }

  Promise.all([M.create(box), M.getJSON(box.getAttribute("data-url"))]).then(function (r) {
    var map = r[0].map, data = r[1];
    var bounds = L.latLngBounds([]);
    if (data.grid) {
      var grid = L.geoJSON(data.grid, {interactive: false,
        style: {color: "#0b5cad", weight: 2, dashArray: "4 3", fillColor: "#0b5cad", fillOpacity: 0.06}}).addTo(map);
      grid.bindTooltip("网格 " + data.grid.properties.code);
      bounds.extend(grid.getBounds());
      state.grid = data.grid.properties.code;
    }
    data.nearby.forEach(function (n) {
      if (!n.location) return;
      var ll = [n.location.lat, n.location.lng];
      L.marker(ll, {icon: pin("near-pt", "#b8c0c8", {"case": n.case_no}, 12),
                    title: n.case_no + " " + n.status_text + " · " + n.distance_m + " 米"})
        .on("click", function () { window.location.href = n.url; }).addTo(map);
      state.nearby++;
    });
    data.reports.forEach(function (rep) {
      if (!rep.location) return;
      var ll = [rep.location.lat, rep.location.lng];
      L.marker(ll, {icon: pin("report-pt", null, {tracking: rep.tracking_no}, 12), title: rep.tracking_no,
                    interactive: false}).addTo(map);
      bounds.extend(ll);
      state.reports++;
    });
    if (data.location) {
      var ll = [data.location.lat, data.location.lng];
      L.marker(ll, {icon: pin("case-self", M.STATUS_COLOUR[data.status], {"case": data.case_no}, 18),
                    title: data.case_no + " " + (data.address || ""), zIndexOffset: 1000}).addTo(map);
      bounds.extend(ll);
      state.point = ll;
    }
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), {maxZoom: 18});
    document.getElementById("case-map-note").textContent = state.nearby ? "附近在办 " + state.nearby + " 件" : "附近无在办案件";
  }, function () { box.textContent = "无法读取地图。"; });
})();
