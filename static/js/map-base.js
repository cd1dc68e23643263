// SafeYard's own base layer for its maps: district borders and names above the areas, the named
// streets beneath them, street names at close zoom. Loaded by inspector-map.js, public-map.js
// and find-yard.js (dynamic import of its versioned URL); the data is GET /api/v1/map/base
// (OpenStreetMap data): no tile server.

// Minor streets are fetched and drawn from this zoom; street names from STREET_LABEL_ZOOM.
const DETAIL_ZOOM = 14;
const STREET_LABEL_ZOOM = 15;
const MAX_STREET_LABELS = 60;
// Streets are drawn a slice per task: no long task holds up a tap on a cheap phone.
const STREETS_PER_TASK = 150;
const LANG = document.documentElement.lang || "ru";

/** The browser's turn between the layer's parts: no one long task holds up a tap. */
function nextTask() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A name as text, never as HTML (Leaflet puts a string content in as HTML). */
export function text(value) {
  const span = document.createElement("span");
  span.textContent = value;
  return span;
}

const credits = new Map();
/** Credit a source once: the areas' "© OpenStreetMap contributors" gives way to the base
 * layer's longer "© OpenStreetMap contributors, ODbL" whichever arrives first. */
export function credit(map, text, html = text) {
  // A map without the control (the find page) credits the data under it, in the page.
  if (!map.attributionControl) return;
  for (const [known, shown] of credits) {
    if (known.startsWith(text)) return;
    if (text.startsWith(known)) {
      map.attributionControl.removeAttribution(shown);
      credits.delete(known);
    }
  }
  credits.set(text, html);
  map.attributionControl.addAttribution(html);
}

/** Fetch a base-layer part: the browser's HTTP cache revalidates it by its ETag. */
async function fetchBase(data, detail) {
  const query = `?lang=${encodeURIComponent(LANG)}${detail ? "&detail=true" : ""}`;
  const response = await fetch(`${data.baseUrl}${query}`, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/** Street names written along the streets in view, at close zoom: a few dozen tooltips at
 * most, none closer than a label's width to another, each name once per view. */
function streetLabels(L, map, streetSets) {
  const layer = L.layerGroup().addTo(map);
  function refresh() {
    layer.clearLayers();
    if (map.getZoom() < STREET_LABEL_ZOOM) return;
    const bounds = map.getBounds().pad(-0.05);
    const size = map.getSize();
    const placed = [];
    const named = new Set();
    for (const features of streetSets) {
      for (const feature of features) {
        const name = feature.properties.name;
        if (named.has(name)) continue;
        for (const [lon, lat] of feature.properties.label_at) {
          if (!bounds.contains([lat, lon])) continue;
          const point = map.latLngToContainerPoint([lat, lon]);
          const width = name.length * 7;
          // Only names that fit whole inside the map.
          if (point.x - width / 2 < 4 || point.x + width / 2 > size.x - 4) continue;
          if (placed.some((q) => Math.abs(q.x - point.x) < (q.width + width) / 2 + 8 && Math.abs(q.y - point.y) < 18)) continue;
          placed.push({ x: point.x, y: point.y, width });
          named.add(name);
          layer.addLayer(
            L.tooltip({ permanent: true, direction: "center", className: "street-label", interactive: false, pane: "baseLabels" })
              .setLatLng([lat, lon])
              .setContent(text(name)),
          );
          break;
        }
        if (placed.length >= MAX_STREET_LABELS) return;
      }
    }
  }
  map.on("zoomend moveend", refresh);
  return refresh;
}

/** The map's own base layer (no tile server needed): the named streets beneath the areas,
 * the district borders and names above them (they take no clicks). */
export async function baseLayer(L, map, data) {
  map.createPane("streets").style.zIndex = 350;
  map.createPane("districtBorders").style.zIndex = 450;
  map.createPane("baseLabels").style.zIndex = 460;
  map.getPane("districtBorders").style.pointerEvents = "none";
  map.getPane("baseLabels").style.pointerEvents = "none";
  const streetsRenderer = L.canvas({ pane: "streets" });
  const body = await fetchBase(data, false);
  const districts = body.features.filter((f) => f.properties.kind === "district");
  const major = body.features.filter((f) => f.properties.kind === "street");
  // Streets stay light at the city's scale, where the district borders are the landmarks.
  const streetStyle = (minor) => () => ({
    color: minor ? "#8d8778" : "#5f5a4f",
    weight: minor ? 1 : map.getZoom() >= DETAIL_ZOOM ? 3 : map.getZoom() >= 13 ? 1.8 : 0.8,
    opacity: minor || map.getZoom() >= 13 ? 0.8 : 0.45,
  });
  const majorLayer = L.geoJSON(null, { renderer: streetsRenderer, interactive: false, style: streetStyle(false) }).addTo(map);
  for (let start = 0; start < major.length; start += STREETS_PER_TASK) {
    majorLayer.addData(major.slice(start, start + STREETS_PER_TASK));
    await nextTask();
  }
  L.geoJSON(districts, {
    pane: "districtBorders",
    interactive: false,
    style: () => ({ color: "#2b2b2b", weight: 3, opacity: 0.9, fill: false, dashArray: "12 4" }),
  }).addTo(map);
  // A label measures itself when added (a layout of the whole page): one per task.
  const districtLabels = [];
  for (const d of districts) {
    await nextTask();
    const [lon, lat] = d.properties.label_at;
    districtLabels.push(
      L.tooltip({ permanent: true, direction: "center", className: "district-label", interactive: false, pane: "baseLabels" })
        .setLatLng([lat, lon])
        .setContent(text(d.properties.name))
        .addTo(map),
    );
  }
  // At the city's scale some names would overlap: the later of two overlapping ones hides.
  const declutter = () => {
    const shown = [];
    for (const label of districtLabels) {
      const node = label.getElement();
      if (!node) continue;
      node.style.visibility = "";
      const box = node.getBoundingClientRect();
      const hit = shown.some((b) => box.left < b.right && b.left < box.right && box.top < b.bottom && b.top < box.bottom);
      if (hit) node.style.visibility = "hidden";
      else shown.push(box);
    }
  };
  credit(map, body.attribution, `<a href="${body.license_url}">${body.attribution}</a>`);
  const streetSets = [major];
  const refreshLabels = streetLabels(L, map, streetSets);
  let minorLayer = null;
  let asked = false;
  async function detail() {
    majorLayer.setStyle(streetStyle(false)());
    if (map.getZoom() >= DETAIL_ZOOM && !asked) {
      asked = true;
      try {
        const more = await fetchBase(data, true);
        minorLayer = L.geoJSON(more.features, { renderer: streetsRenderer, interactive: false, style: streetStyle(true) });
        streetSets.push(more.features);
      } catch (error) {
        asked = false;
        console.warn("SafeYard: the minor streets did not load", error);
      }
    }
    if (minorLayer) {
      if (map.getZoom() >= DETAIL_ZOOM) minorLayer.addTo(map);
      else minorLayer.remove();
    }
    refreshLabels();
  }
  // District names: small at the city's scale, where eight of them share the view.
  const labelScale = () => map.getContainer().classList.toggle("map-city-scale", map.getZoom() < 12.5);
  map.on("zoomend", detail);
  map.on("zoomend", labelScale);
  map.on("zoomend", declutter);
  labelScale();
  declutter();
  await detail();
}
