// The hotline page's map: a click sets the place while the caller describes it (hidden lat/lng/crs fields, in the
// map's system) and re-runs the suggestions; a typed address that geocodes moves the pin (call.js calls show()).
(function () {
  "use strict";
  var box = document.getElementById("call-map");
  if (!box || !window.StaffMap) return;
  var state = {map: null, pin: null, marker: null, show: show};
  window.callMap = state;
  var icon = L.divIcon({className: "place-pin", iconSize: [22, 22], html: "<i></i>"});

  function place(latlng) {
    if (!state.map) return;
    if (!latlng) {
      if (state.marker) state.map.removeLayer(state.marker);
      state.marker = null; state.pin = null;
      return;
    }
    if (state.marker) state.marker.setLatLng(latlng);
    else state.marker = L.marker(latlng, {icon: icon, interactive: false}).addTo(state.map);
    state.pin = [latlng[0], latlng[1]];
  }

  // After each suggestion: the clicked place stays; otherwise the geocoded one (or none) is shown.
  function show(point, fromClick) {
    if (fromClick) return;
    place(point);
    if (point && state.map) state.map.setView(point, Math.max(state.map.getZoom(), 16));
  }

  StaffMap.create(box).then(function (made) {
    var map = made.map;
    state.map = map;
    // Grids and communities (with their names) are what the agent finds the caller's street corner by.
    StaffMap.areas(made.config, "grid", 16).then(function (fc) {
      L.geoJSON(fc, {interactive: false, style: {color: "#9aa5b1", weight: 0.6, fill: false}}).addTo(map);
    });
    StaffMap.areas(made.config, "community", 15).then(function (fc) {
      L.geoJSON(fc, {interactive: false, style: {color: "#0d2b4e", weight: 1.5, opacity: 0.6, fill: false},
                     onEachFeature: function (f, layer) {
                       layer.bindTooltip(f.properties.name, {permanent: true, direction: "center",
                                                             className: "area-label"});
                     }}).addTo(map);
    });
    map.on("click", function (e) {
      var lat = e.latlng.lat.toFixed(6), lng = e.latlng.lng.toFixed(6);
      document.getElementById("loc-lat").value = lat;
      document.getElementById("loc-lng").value = lng;
      document.getElementById("loc-crs").value = made.config.crs;
      place([Number(lat), Number(lng)]);
      if (window.callSuggest) window.callSuggest();
    });
    var lat = document.getElementById("loc-lat").value, lng = document.getElementById("loc-lng").value;
    if (lat && lng) { place([Number(lat), Number(lng)]); map.setView([Number(lat), Number(lng)], 17); }
  });
})();
