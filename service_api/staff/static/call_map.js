// The hotline page's map: a click sets the place while the caller describes it (hidden lat/lng/crs fields, in the
// map's system) and re-runs the suggestions; a typed address that geocodes moves the pin (call.js calls show()).
(function () {
  "use strict";
  var box = document.getElementById("call-map");
  if (!box || !window.StaffMap) return;
  var state = {map: null, pin: null, marker: null, show: show};
  window.callMap = state;
  var icon = L.divIcon({className: "place-pin", iconSize: [22, 22], html: "<i></i>"});
  var COMMUNITY_NAMES_ZOOM = 15;

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
    // Grids and communities are what the agent finds the caller's street corner by. Names: the streets' at the
    // district's zoom, the communities' from COMMUNITY_NAMES_ZOOM on, where they fit (on hover before that). The
    // community outlines take the pointer for their names; a click still reaches the map and sets the place.
    StaffMap.areas(made.config, "grid", 16).then(function (fc) {
      L.geoJSON(fc, {interactive: false, style: {color: "#9aa5b1", weight: 0.6, fill: false}}).addTo(map);
    });
    StaffMap.areas(made.config, "street", 13).then(function (fc) {
      var streets = L.geoJSON(fc, {interactive: false, style: {color: "#0d2b4e", weight: 2, opacity: 0.5,
                                                               fill: false}}).addTo(map);
      StaffMap.areaLabels(map, streets, {max: COMMUNITY_NAMES_ZOOM});
    });
    StaffMap.areas(made.config, "community", 15).then(function (fc) {
      var communities = L.geoJSON(fc, {style: {color: "#0d2b4e", weight: 1.5, opacity: 0.6, fill: true,
                                               fillOpacity: 0}}).addTo(map);
      StaffMap.areaLabels(map, communities, {min: COMMUNITY_NAMES_ZOOM, hover: true});
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
