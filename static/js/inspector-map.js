// SafeYard inspectors' map: micro-districts as a choropleth with flag outlines, an area's panel
// beside the map, yard markers at close zoom (clusters per area where a view holds too many
// yards), and the district table sorted in place.
// Everything it needs comes from data- attributes of #inspector-map (no inline script: CSP);
// the page works without it (the table, the list of areas, the panel pages).

import { element, loadLeaflet, numberLocale } from "./dom.js";

// From this zoom on the yards layer is asked for: yards, or clusters per area when the view
// holds more than the server's limit.
const YARD_ZOOM = 13;
// A click on a cluster zooms at least this far in when its yards' extent is no closer.
const CLUSTER_STEP = 2;
const CITY = [43.2389, 76.8897];
const VIEW_KEY = "safeyard-inspector-view";
// The yard dots' ring: dark, so a dot stands out on an area of its own colour.
const DOT_RING = "#1b1b1b";
const LANG = document.documentElement.lang || "ru";
const ONE_DECIMAL = new Intl.NumberFormat(numberLocale(LANG), { maximumFractionDigits: 1 });
const PERCENT = new Intl.NumberFormat(numberLocale(LANG), { style: "percent", maximumFractionDigits: 0 });

/** The fill class of a value: the last class whose lower bound it reaches. */
function fillColour(classes, value) {
  let colour = classes[0].colour;
  for (const c of classes) if (value >= c.lower) colour = c.colour;
  return colour;
}

function hasValue(props) {
  return Boolean(props.yards_audited) && props.value !== null && props.value !== undefined;
}

/** The tooltip's figure: the value in the page's language, or why there is none. */
function areaValueText(strings, shareLayer, props) {
  if (hasValue(props)) return shareLayer ? PERCENT.format(props.value) : ONE_DECIMAL.format(props.value);
  if (!props.yards_known) return strings.no_yards_known;
  return strings.none_checked.replace("{n}", String(props.yards_known));
}

function areaStyle(config, shareLayer, props) {
  const noData = !hasValue(props);
  const style = {
    fillColor: noData ? config.no_data : fillColour(shareLayer ? config.share : config.risk, props.value),
    // No yard known at all: a faint grey, the base layer shows through.
    fillOpacity: noData && !props.yards_known ? 0.25 : 0.6,
    // The hexagons' own edges stay faint: the district borders and streets are the landmarks.
    color: "#ffffff",
    weight: 0.6,
    opacity: 0.6,
    dashArray: null,
  };
  // An area without a single known yard has only "no data" flags: its grey fill says so.
  if (props.yards_known) {
    const codes = new Set((props.flags || []).map((f) => f.code));
    const code = config.order.find((c) => codes.has(c));
    const outline = config.outlines.find((o) => o.code === code);
    if (outline) Object.assign(style, { color: outline.colour, weight: outline.weight, dashArray: outline.dash, opacity: 1 });
  }
  return style;
}

function saveView(map) {
  const c = map.getCenter();
  try {
    sessionStorage.setItem(VIEW_KEY, JSON.stringify({ lat: c.lat, lng: c.lng, zoom: map.getZoom() }));
  } catch {
    // private mode: the map starts from the city each time
  }
}

function savedView() {
  try {
    const view = JSON.parse(sessionStorage.getItem(VIEW_KEY) || "null");
    return view && Number.isFinite(view.lat) && Number.isFinite(view.zoom) ? view : null;
  } catch {
    return null;
  }
}

/** An area's panel: the server renders /inspector/areas/{id}; its #area-panel goes beside the map. */
function panelLoader(panel, data, strings, status) {
  let controller = null;
  return async function load(id) {
    controller?.abort();
    controller = new AbortController();
    const query = data.months ? `?months=${encodeURIComponent(data.months)}` : "";
    panel.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`${data.panelUrl}${encodeURIComponent(id)}${query}`, {
        headers: { Accept: "text/html" },
        signal: controller.signal,
      });
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const source = doc.getElementById("area-panel");
      if (response.ok && source) {
        panel.replaceChildren(...source.childNodes);
      } else {
        // The error page's message (e.g. "outside the area your account covers").
        const message = doc.querySelector("main p")?.textContent || strings.panel_failed;
        panel.replaceChildren(
          element("h2", { id: "area-title", text: `${strings.area} ${id}` }),
          element("p", { class: "warning", role: "alert", text: message }),
        );
      }
      panel.focus({ preventScroll: true });
      if (!matchMedia("(min-width: 62rem)").matches) panel.scrollIntoView({ behavior: "smooth", block: "start" });
    } catch (error) {
      if (error.name !== "AbortError") status(strings.panel_failed);
    } finally {
      panel.removeAttribute("aria-busy");
    }
  };
}

function yardMarker(L, config, strings, feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const p = feature.properties;
  const label = strings.yard.replace("{id}", p.yard_id);
  const link = element("a", { href: p.url, text: strings.open_yard });
  // The same classes as the areas (and the legend, and the PDF map); grey, as an area
  // without a figure, when the yard has no current index.
  const known = p.risk_index !== null && p.risk_index !== undefined;
  const popup = element("div", {}, [
    element("strong", { text: label }),
    element("br"),
    `${strings.risk_index}: ${known ? ONE_DECIMAL.format(p.risk_index) : strings.no_index}`,
    element("br"),
    link,
  ]);
  return L.circleMarker([lat, lon], {
    radius: 7,
    className: "yard-marker",
    color: DOT_RING,
    weight: 2,
    fillColor: known ? fillColour(config.risk, p.risk_index) : config.no_data,
    fillOpacity: 1,
  })
    .bindTooltip(`${label}: ${known ? ONE_DECIMAL.format(p.risk_index) : strings.no_index}`)
    .bindPopup(popup);
}

/** The text of a cluster: its yard count and mean risk, or why there is no mean. */
function clusterText(strings, p) {
  const count = strings.cluster_yards.replace("{n}", String(p.yard_count));
  if (p.mean_risk === null || p.mean_risk === undefined) return `${count}: ${strings.cluster_no_mean}`;
  const mean = strings.cluster_mean.replace("{risk}", ONE_DECIMAL.format(p.mean_risk));
  return p.enough_data ? `${count}, ${mean}` : `${count}, ${mean} (${strings.cluster_few})`;
}

/** An area's cluster: a circle with the count, coloured by the mean risk's class (grey
 * without one, a dashed ring with too few audited yards); a click zooms in on its yards. */
function clusterMarker(L, map, config, strings, feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const p = feature.properties;
  const known = p.mean_risk !== null && p.mean_risk !== undefined;
  const size = Math.round(30 + 8 * Math.log10(Math.max(1, p.yard_count)));
  const text = clusterText(strings, p);
  const disc = element("span", {
    class: `yard-cluster${p.enough_data ? "" : " yard-cluster-few"}`,
    role: "button",
    tabindex: "0",
    "aria-label": text,
    "data-area-id": p.area_id,
    "data-count": String(p.yard_count),
    "data-band": p.band,
  }, [element("span", { class: "yard-cluster-count", text: String(p.yard_count) })]);
  // Set through the CSSOM, which the Content-Security-Policy allows (no style attribute).
  disc.style.width = disc.style.height = `${size}px`;
  disc.style.backgroundColor = known ? fillColour(config.risk, p.mean_risk) : config.no_data;
  const icon = L.divIcon({ html: disc, className: "yard-cluster-icon", iconSize: [size, size] });
  const marker = L.marker([lat, lon], { icon, keyboard: false }).bindTooltip(text);
  const zoomIn = () => {
    const [west, south, east, north] = p.zoom_bbox;
    const before = map.getZoom();
    const target = map.getBoundsZoom([[south, west], [north, east]], false, L.point(40, 40));
    if (target > before && west < east && south < north) {
      map.fitBounds([[south, west], [north, east]], { padding: [20, 20], maxZoom: 18 });
    } else {
      map.setView([lat, lon], Math.min(18, before + CLUSTER_STEP));
    }
  };
  marker.on("click", zoomIn);
  disc.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      zoomIn();
    }
  });
  return marker;
}

function yardMarkers(L, map, data, config, status) {
  const strings = config.strings;
  const layer = L.layerGroup().addTo(map);
  const container = map.getContainer();
  let controller = null;
  async function refresh() {
    controller?.abort();
    container.dataset.zoom = String(map.getZoom()); // for tests: where the map now stands
    if (map.getZoom() < YARD_ZOOM) {
      layer.clearLayers();
      delete container.dataset.yardMode;
      status(strings.zoom_in);
      return;
    }
    controller = new AbortController();
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(",");
    try {
      const response = await fetch(`${data.yardsUrl}?bbox=${bbox}`, { signal: controller.signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      layer.clearLayers();
      // An older server answers "truncated" with no features and no mode.
      const clusters = body.mode === "clusters";
      status(clusters ? strings.clusters_shown : body.truncated ? strings.too_many : "");
      for (const feature of body.features) {
        const marker = clusters
          ? clusterMarker(L, map, config, strings, feature)
          : yardMarker(L, config, strings, feature);
        marker.addTo(layer);
      }
      container.dataset.yardMode = body.mode || "yards";
    } catch (error) {
      if (error.name !== "AbortError") status(strings.load_failed);
    }
  }
  map.on("moveend", refresh);
  return refresh;
}

async function startMap(container) {
  const data = container.dataset;
  const config = JSON.parse(data.config);
  const strings = config.strings;
  const statusBox = document.getElementById("map-status");
  const status = (text) => {
    if (statusBox) statusBox.textContent = text;
  };
  const panel = document.getElementById("area-panel");
  const L = await loadLeaflet({ js: data.jsLeaflet, css: data.cssLeaflet });
  container.hidden = false;
  const map = L.map(container, { zoomSnap: 0.5 });
  map.attributionControl.setPrefix(false);
  const view = savedView();
  map.setView(view ? [view.lat, view.lng] : CITY, view ? view.zoom : 11);
  // A place chosen in the names search (static/js/place-search.js): its box, else its point.
  container.addEventListener("safeyard:place", ({ detail: place }) => {
    const [west, south, east, north] = place.bbox || [];
    if (place.bbox) map.fitBounds([[south, west], [north, east]], { maxZoom: 16, animate: false });
    else map.setView([place.lat, place.lon], 15, { animate: false });
    const centre = map.getCenter(); // for tests: where the map now stands
    container.dataset.centre = `${centre.lat.toFixed(5)},${centre.lng.toFixed(5)}`;
  });
  // The base layer is SafeYard's own (it works offline). A configured tile server is an
  // option in the layers control, never needed.
  if (data.tileUrl) {
    const tiles = L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.tileAttribution });
    L.control.layers(null, { [config.strings.tiles.replace("{host}", data.tileHost)]: tiles }, { position: "topright" }).addTo(map);
  }
  // The base layer's module (static/js/map-base.js) by its versioned URL.
  const base = await import(data.jsBase).catch((error) => {
    console.warn("SafeYard: the base layer's script did not load", error);
    return null;
  });
  const credit = base ? base.credit : (m, text) => m.attributionControl.addAttribution(text);
  base?.baseLayer(L, map, data)
    .then(() => { container.dataset.baseReady = "true"; })
    .catch((error) => console.warn("SafeYard: the base layer did not load", error));

  status(strings.loading);
  const response = await fetch(data.geojson, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const collection = await response.json();
  const shareLayer = Boolean(data.section);
  const loadPanel = panel ? panelLoader(panel, data, strings, status) : null;
  let selected = null;
  const areas = L.geoJSON(collection, {
    style: (feature) => areaStyle(config, shareLayer, feature.properties),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      const tip = document.createElement("span");
      tip.textContent = `${p.name || feature.id}: ${areaValueText(strings, shareLayer, p)}`;
      layer.bindTooltip(tip, { sticky: true });
      layer.on("click", () => {
        if (selected) areas.resetStyle(selected);
        selected = layer;
        layer.setStyle({ weight: 5, color: "#1d4ed8", dashArray: null, opacity: 1 });
        layer.bringToFront();
        loadPanel?.(feature.id);
      });
    },
  }).addTo(map);
  // A class and the id on each drawn polygon, for styles and tests.
  areas.eachLayer((layer) => {
    const path = layer.getElement?.();
    path?.classList.add("area-shape");
    path?.setAttribute("data-area-id", layer.feature.id);
  });
  credit(map, collection.attribution);
  // Not animated: the map is ready (and its areas take clicks) once it is drawn where it stays.
  if (!view && areas.getBounds().isValid()) {
    map.fitBounds(areas.getBounds(), { padding: [8, 8], animate: false });
  }
  status("");
  container.dataset.ready = "true";
  // Other scripts of the page (the place search) move this map once it exists.
  container.dispatchEvent(new CustomEvent("safeyard:map-ready", { detail: { map, L } }));

  const refreshYards = yardMarkers(L, map, data, config, status);
  map.on("moveend", () => saveView(map));
  refreshYards();

  // The list of areas needing attention opens the same panel in place.
  for (const link of document.querySelectorAll("a[data-area]")) {
    link.addEventListener("click", (event) => {
      const id = link.dataset.area;
      let found = null;
      areas.eachLayer((layer) => {
        if (layer.feature.id === id) found = layer;
      });
      if (!found || !loadPanel) return;
      event.preventDefault();
      map.fitBounds(found.getBounds(), { maxZoom: 14 });
      found.fire("click");
    });
  }
}

/** The district table sorts in place; the header links (?sort=) still work without this. */
function sortableTable(table) {
  const body = table.tBodies[0];
  const headers = [...table.tHead.rows[0].cells];
  for (const [index, th] of headers.entries()) {
    const link = th.querySelector("a[data-sort]");
    if (!link) continue;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const numeric = link.dataset.numeric === "true";
      const current = th.getAttribute("aria-sort");
      const descending = current ? current === "ascending" : numeric;
      const value = (row) => row.cells[index].dataset.value ?? row.cells[index].textContent;
      const rows = [...body.rows].sort((a, b) => {
        const order = numeric
          ? Number(value(a)) - Number(value(b))
          : String(value(a)).localeCompare(String(value(b)), document.documentElement.lang);
        return descending ? -order : order;
      });
      body.append(...rows);
      for (const other of headers) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const url = new URL(location.href);
      url.searchParams.set("sort", link.dataset.sort);
      history.replaceState(null, "", url);
    });
  }
}

function autoSubmit(form) {
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => form.requestSubmit());
  }
}

const table = document.getElementById("district-table");
if (table) sortableTable(table);
const filters = document.getElementById("map-filters");
if (filters) autoSubmit(filters);
const container = document.getElementById("inspector-map");
if (container) {
  startMap(container).catch((error) => {
    console.error("SafeYard: the map failed", error);
    const box = document.getElementById("map-status");
    if (box) box.textContent = JSON.parse(container.dataset.config).strings.load_failed;
  });
}
