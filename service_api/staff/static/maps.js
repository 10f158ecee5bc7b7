// Shared by the console's maps (staff map, case page, hotline page, stats page): Leaflet on our own layers from
// /api/v1/map, a raster base map only when MAP_TILE_URL is configured, and status colours in one place.
(function () {
  "use strict";
  var API = "/api/v1/map";
  var STATUS_COLOUR = {
    received: "#7b8794", registered: "#2f6fbd", dispatched: "#e07b00", resolved: "#1f9ba8",
    verified: "#2e8b57", closed: "#4a5a69", rejected: "#a0a8b0", returned: "#8a4fbf", reopened: "#c2185b"
  };
  var configPromise = null;

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (r) {
      if (!r.ok) return Promise.reject(r.status);
      return r.json();
    });
  }

  function config() {
    if (!configPromise) configPromise = getJSON(API + "/config");
    return configPromise;
  }

  // A map in `el`; resolves to {map, config}. Without a base map the container's own background shows.
  function create(el, options) {
    options = options || {};
    return config().then(function (cfg) {
      var map = L.map(el, {zoomControl: true, attributionControl: !!cfg.tiles.url, preferCanvas: true,
                           minZoom: 10, maxZoom: 19, zoomSnap: 0.5});
      if (cfg.tiles.url) {
        map.attributionControl.setPrefix("Leaflet");  // the library's name, no flag or outside link
        L.tileLayer(cfg.tiles.url, {attribution: cfg.tiles.attribution || "", maxZoom: 19}).addTo(map);
        el.classList.add("has-tiles");
      }
      if (!cfg.tiles.url) land(cfg, map);
      if (options.center) map.setView(options.center, options.zoom || 16);
      else if (cfg.bounds) map.fitBounds(cfg.bounds, {padding: [8, 8]});
      else map.setView([36.06, 120.33], 13);
      el.setAttribute("data-crs", cfg.crs);
      return {map: map, config: cfg};
    });
  }

  // Without a base map, the district is drawn as land on the plain background, so the city has a shape.
  function land(cfg, map) {
    map.createPane("land").style.zIndex = 250;
    areas(cfg, "district", 12).then(function (fc) {
      L.geoJSON(fc, {pane: "land", interactive: false,
                     style: {color: "#8a97a5", weight: 1.5, fillColor: "#fbfbf8", fillOpacity: 1}}).addTo(map);
    });
  }

  // One level of area outlines for the whole city at a zoom (cached by the browser: the URL names the version).
  function areas(cfg, level, zoom, bbox) {
    var url = API + "/areas?level=" + level + "&zoom=" + Math.round(zoom) + "&v=" + cfg.gazetteer_version;
    if (bbox) url += "&bbox=" + bbox;
    return getJSON(url);
  }

  function bboxOf(map) {
    var b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(6); }).join(",");
  }

  // Sequential colours for counts and rates (light → dark); `value` in [0, 1].
  var RAMP = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];
  function ramp(value) {
    if (value === null || value === undefined || isNaN(value)) return null;
    var i = Math.min(RAMP.length - 1, Math.max(0, Math.floor(value * RAMP.length)));
    return RAMP[i];
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // Area names on a GeoJSON layer of outlines: written on the map only between zooms `min` and `max` (below
  // `min` ~55 community names pile up into an unreadable heap; above `max` a finer level's names take over),
  // otherwise shown when the pointer is over the area (`hover`, which needs an interactive, filled layer).
  // A written name that would cover one already written is left out (`hover` still names that area).
  function areaLabels(map, layer, opts) {
    var min = opts.min || 0, max = opts.max || Infinity, shown = null;
    function apply() {
      var zoom = map.getZoom(), written = zoom >= min && zoom < max;
      if (written !== shown) {
        shown = written;
        layer.eachLayer(function (area) {
          var name = area.feature && area.feature.properties && area.feature.properties.name;
          area.unbindTooltip();
          if (!name) return;
          if (written) area.bindTooltip(name, {permanent: true, direction: "center", className: "area-label"});
          else if (opts.hover) area.bindTooltip(name, {sticky: true, direction: "top", className: "area-hover"});
        });
      }
      if (written) requestAnimationFrame(declutter);
    }
    function declutter() {
      var kept = [];
      layer.eachLayer(function (area) {
        var tip = area.getTooltip(), node = tip && tip.options.permanent && tip.getElement();
        if (!node) return;
        node.classList.remove("area-label-hidden");
        var r = node.getBoundingClientRect();
        var clash = kept.some(function (k) {
          return r.left < k.right && k.left < r.right && r.top < k.bottom && k.top < r.bottom;
        });
        if (clash) node.classList.add("area-label-hidden");
        else kept.push(r);
      });
    }
    map.on("zoomend", apply);
    apply();
  }

  window.StaffMap = {API: API, STATUS_COLOUR: STATUS_COLOUR, RAMP: RAMP, getJSON: getJSON, config: config,
                     create: create, areas: areas, bboxOf: bboxOf, ramp: ramp, el: el, areaLabels: areaLabels};
})();
