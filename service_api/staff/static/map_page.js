// /staff/map: the desk's cases as clustered points coloured by status, a grid choropleth of their counts, street
// outlines, and the components layer once the registry answers. Points load once per filter; panning and zooming
// only re-cluster in the browser (supercluster), so the dispatcher's map never waits on the server while moving.
(function () {
  "use strict";
  var M = window.StaffMap;
  var box = document.getElementById("staff-map");
  var query = box.getAttribute("data-query");
  var statusText = JSON.parse(document.getElementById("status-text").textContent);
  var info = document.getElementById("map-info");
  var state = {points: null, index: null, statuses: [], shown: {clusters: 0, points: 0}};
  window.caseMap = state;  // read by the browser tests and handy in the console

  M.create(box).then(function (made) {
    var map = made.map, cfg = made.config;
    var pointLayer = L.layerGroup().addTo(map);
    var gridLayer = L.geoJSON(null, {style: gridStyle, onEachFeature: gridTip}).addTo(map);
    var streetLayer = L.geoJSON(null, {interactive: false,
      style: {color: "#0d2b4e", weight: 2, opacity: 0.7, fill: false}}).addTo(map);
    var componentLayer = L.layerGroup();
    var counts = {}, maxCount = 0;

    function gridStyle(feature) {
      var n = counts[feature.properties.code] || 0;
      var colour = n ? M.ramp(Math.log(n + 1) / Math.log(maxCount + 1.0001)) : null;
      return {color: "#9aa5b1", weight: 0.5, opacity: 0.6, fillColor: colour || "#ffffff",
              fillOpacity: colour ? 0.55 : 0};
    }
    function gridTip(feature, layer) {
      layer.bindTooltip(function () {
        return feature.properties.name + "：" + (counts[feature.properties.code] || 0) + " 件";
      }, {sticky: true});
    }

    function drawPoints() {
      pointLayer.clearLayers();
      if (!state.index || !document.getElementById("layer-points").checked) return;
      var b = map.getBounds(), z = Math.round(map.getZoom());
      var items = state.index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z);
      var clusters = 0, singles = 0;
      items.forEach(function (item) {
        var ll = [item.geometry.coordinates[1], item.geometry.coordinates[0]];
        var p = item.properties;
        if (p.cluster) {
          clusters++;
          var n = p.point_count, size = n < 100 ? 30 : n < 1000 ? 38 : 46;
          var marker = L.marker(ll, {icon: L.divIcon({
            className: "cluster", iconSize: [size, size],
            html: '<span data-count="' + n + '">' + (p.point_count_abbreviated) + "</span>"})});
          marker.on("click", function () {
            map.setView(ll, Math.min(state.index.getClusterExpansionZoom(p.cluster_id), 19));
          });
          pointLayer.addLayer(marker);
        } else {
          singles++;
          var status = state.statuses[p.s] || "received";
          var pin = L.marker(ll, {icon: L.divIcon({
            className: "case-pt" + (p.o ? " overdue" : ""), iconSize: [14, 14],
            html: '<i data-id="' + p.id + '" data-status="' + status + '" style="background:' +
                  (M.STATUS_COLOUR[status] || "#333") + '"></i>'}), title: statusText[status] || status});
          pin.on("click", function () { popup(p.id, ll); });
          pointLayer.addLayer(pin);
        }
      });
      state.shown = {clusters: clusters, points: singles};
    }

    function popup(id, ll) {
      var pop = L.popup({maxWidth: 300}).setLatLng(ll).setContent("加载中…").openOn(map);
      M.getJSON(M.API + "/cases/" + id).then(function (c) {
        var div = M.el("div", null, {"class": "case-popup"});
        var link = M.el("a", c.case_no, {href: c.url});
        var head = M.el("div"); head.appendChild(link);
        head.appendChild(M.el("span", " " + c.status_text + (c.overdue ? " · 已超期" : ""), {"class": "muted"}));
        div.appendChild(head);
        div.appendChild(M.el("div", (c.matter ? c.matter.name : "未分类") + (c.department_text ? " · " + c.department_text : "")));
        if (c.address) div.appendChild(M.el("div", c.address, {"class": "muted"}));
        if (c.description) div.appendChild(M.el("div", c.description, {"class": "small"}));
        div.appendChild(M.el("div", "受理 " + c.created_at + " · " + c.report_count + " 条反映", {"class": "small muted"}));
        pop.setContent(div);
      }, function () { pop.setContent("无法读取该案件"); });
    }

    function loadPoints() {
      var started = performance.now();
      info.textContent = "正在读取案件点位…";
      return M.getJSON(M.API + "/cases?" + query).then(function (data) {
        var fetched = performance.now();
        state.statuses = data.statuses;
        var features = new Array(data.count);
        for (var i = 0; i < data.count; i++) {
          features[i] = {type: "Feature", properties: {id: data.id[i], s: data.status[i], o: data.overdue[i]},
                         geometry: {type: "Point", coordinates: [data.lng[i], data.lat[i]]}};
        }
        state.index = new Supercluster({radius: 60, maxZoom: 17, minPoints: 2}).load(features);
        state.points = data.count;
        drawPoints();
        state.timing = {fetch: Math.round(fetched - started), total: Math.round(performance.now() - started)};
        info.textContent = "共 " + data.count + " 件有位置的案件" + (data.truncated ? "（过多，仅显示部分）" : "") + "。";
        box.setAttribute("data-loaded", String(data.count));
      }, function () { info.textContent = "无法读取案件点位。"; });
    }

    function loadGrid() {
      if (!document.getElementById("layer-grid").checked) { map.removeLayer(gridLayer); return; }
      gridLayer.addTo(map);
      Promise.all([M.areas(cfg, "grid", 14), M.getJSON(M.API + "/counts?level=grid&" + query)]).then(function (r) {
        counts = r[1].counts; maxCount = r[1].max;
        gridLayer.clearLayers(); gridLayer.addData(r[0]); gridLayer.bringToBack();
        legend(maxCount);
      });
    }

    function legend(max) {
      var div = document.getElementById("grid-legend");
      div.innerHTML = "";
      div.appendChild(M.el("span", "网格案件数 "));
      M.RAMP.forEach(function (colour, i) {
        var upper = Math.round(Math.exp(Math.log(max + 1) * (i + 1) / M.RAMP.length) - 1);
        var sw = M.el("span", "", {"class": "swatch", title: "≤ " + upper + " 件"});
        sw.style.background = colour;
        div.appendChild(sw);
      });
      div.appendChild(M.el("span", " 最多 " + max + " 件"));
    }

    M.areas(cfg, "street", 13).then(function (fc) {
      streetLayer.addData(fc);
      M.areaLabels(map, streetLayer, {min: 12});  // zoomed further out, the street names would overlap
    });

    // Components (部件) from the registry, through our map API (the console's session, the map's system); the
    // toggle stays off while the registry does not answer.
    var componentToggle = document.getElementById("layer-components");
    function loadComponents() {
      componentLayer.clearLayers();
      if (!componentToggle.checked) { map.removeLayer(componentLayer); return; }
      componentLayer.addTo(map);
      if (map.getZoom() < 15) { info.textContent = "部件较多，请放大到街区后查看。"; return; }
      M.getJSON(M.API + "/components?bbox=" + M.bboxOf(map)).then(function (fc) {
        if (fc.truncated) info.textContent = "范围内部件过多，仅显示部分，请放大地图。";
        L.geoJSON(fc, {pointToLayer: function (f, ll) {
          return L.circleMarker(ll, {radius: 4, color: "#555", weight: 1, fillColor: "#ffd400", fillOpacity: 0.9});
        }, onEachFeature: function (f, layer) {
          var p = f.properties || {};
          layer.bindTooltip([p.name || p.type_name || p.type || "部件", p.code || ""].join(" "));
        }}).addTo(componentLayer);
        state.components = fc.features.length;
      });
    }
    fetch(M.API + "/components?bbox=" + M.bboxOf(map), {credentials: "same-origin"}).then(function (r) {
      if (r.ok) { componentToggle.disabled = false; componentToggle.parentNode.title = ""; }
    }, function () {});
    componentToggle.addEventListener("change", loadComponents);

    map.on("moveend", function () {
      drawPoints();
      if (componentToggle.checked) loadComponents();
    });
    document.getElementById("layer-points").addEventListener("change", drawPoints);
    document.getElementById("layer-grid").addEventListener("change", loadGrid);
    loadGrid();
    loadPoints();
    state.map = map;
  }, function () { info.textContent = "无法读取地图配置。"; });
})();
