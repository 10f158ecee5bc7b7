// The report page's map pick, loaded with Leaflet only when the resident opens the map (the first load of /m/
// stays small on a slow network). The map draws our own outlines (/m/map.json), over the configured base map if
// any; a tap places the pin and hands the place back in the map's system (the server converts GCJ-02).
"use strict";
(() => {
  // CGCS2000 (≈ WGS-84) → GCJ-02, the published forward transform (as intake/geo/crs.py): a place found by a typed
  // address is drawn on AMap-style tiles where those tiles show it.
  const A = 6378245.0, EE = 0.00669342162296594323;
  function toGcj02(lat, lng) {
    if (!(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271)) return [lat, lng];
    const x = lng - 105.0, y = lat - 35.0, PI = Math.PI;
    let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dlat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    let dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dlng += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dlng += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlng += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    const radlat = lat / 180.0 * PI, magic = 1.0 - EE * Math.sin(radlat) ** 2, sqrtmagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * PI);
    dlng = (dlng * 180.0) / (A / sqrtmagic * Math.cos(radlat) * PI);
    return [lat + dlat, lng + dlng];
  }

  const label = (text) => { const span = document.createElement("span"); span.textContent = text; return span; };

  // `layers`: the promise of /m/map.json, fetched by the page while Leaflet and this file load.
  async function open(box, layers, { start = null, onPick }) {
    const data = await layers;
    const crs = data.crs;
    const here = (point) => (point && crs === "gcj02" ? toGcj02(point[0], point[1]) : point);
    const map = L.map(box, { attributionControl: !!data.tiles.url, minZoom: 11, maxZoom: 19, zoomSnap: 0.5 });
    if (data.tiles.url) {
      map.attributionControl.setPrefix(false); // no outside link from the resident's page
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution || "", maxZoom: 19 }).addTo(map);
      box.classList.add("has-tiles");
    } else {
      // No base map: the district as land, streets named, communities named once zoomed in far enough to read.
      L.geoJSON(data.areas.district, { interactive: false,
        style: { color: "#8a97a5", weight: 1.5, fillColor: "#fbfbf8", fillOpacity: 1 } }).addTo(map);
    }
    L.geoJSON(data.areas.community, { interactive: false,
      style: { color: "#6b7a89", weight: 0.8, dashArray: "3 3", fill: false },
      onEachFeature: (f, layer) => layer.bindTooltip(label(f.properties.name),
        { permanent: true, direction: "center", className: "pick-label community", interactive: false }),
    }).addTo(map);
    L.geoJSON(data.areas.street, { interactive: false, style: { color: "#0b6e4f", weight: 2, fill: false },
      onEachFeature: (f, layer) => layer.bindTooltip(label(f.properties.name),
        { permanent: true, direction: "center", className: "pick-label street", interactive: false }),
    }).addTo(map);
    const zoomed = () => box.classList.toggle("near", map.getZoom() >= 15);
    map.on("zoomend", zoomed);

    const first = here(start);
    if (first) map.setView(first, 17);
    else if (data.bounds) map.setView(L.latLngBounds(data.bounds).getCenter(), 13); // the streets' names readable
    else map.setView([36.06, 120.33], 13);
    zoomed();

    const icon = L.divIcon({ className: "pick-pin", iconSize: [28, 28], iconAnchor: [14, 28], html: "<i></i>" });
    let pin = null;
    function place(latlng) {
      if (pin) pin.setLatLng(latlng);
      else pin = L.marker(latlng, { icon, interactive: false, keyboard: false }).addTo(map);
    }
    map.on("click", (event) => {
      const lat = Number(event.latlng.lat.toFixed(6)), lng = Number(event.latlng.lng.toFixed(6));
      place([lat, lng]);
      box.dataset.pin = `${lat},${lng}`;
      onPick({ lat, lng, crs });
    });
    const picker = window.MPick.current = {
      map,
      crs,
      // A place found another way (a typed address, the phone's position; CGCS2000): the pin moves there.
      show(lat, lng) {
        const point = here([lat, lng]);
        place(point);
        box.dataset.pin = `${point[0].toFixed(6)},${point[1].toFixed(6)}`;
        map.setView(point, Math.max(map.getZoom(), 17));
      },
      clear() {
        if (pin) map.removeLayer(pin);
        pin = null;
        delete box.dataset.pin;
      },
    };
    return picker;
  }

  window.MPick = { open, toGcj02 };
})();
