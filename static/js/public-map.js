// SafeYard residents' map of areas (templates/pages/area_map.html): the micro-districts coloured
// by their public figure, on SafeYard's own base layer (static/js/map-base.js: no tile server),
// the yards in view as dots at close zoom and as a list under the map, "yards near me".
// Everything comes from data- attributes of #public-map (no inline script: CSP); without it
// the page is the list of areas by district.

import { element, loadLeaflet, numberLocale } from "./dom.js";

const YARD_ZOOM = 15;
const MAX_ZOOM = 19;
// A few ms of drawing each on a cheap phone: no task long enough to hold up a tap.
const AREAS_PER_TASK = 10;
const NEAR_ZOOM = 16;
const CITY = [43.2389, 76.8897];
const DOT_RING = "#1b1b1b";
const LANG = document.documentElement.lang || "ru";
// Made on first use: a first Intl formatter loads the locale's data (tens of ms on a phone),
// and the page shows no figure until a tooltip, a popup or the yards in view ask for one.
let oneDecimal = null;
const ONE_DECIMAL = {
  format(value) {
    oneDecimal ??= new Intl.NumberFormat(numberLocale(LANG), { maximumFractionDigits: 1 });
    return oneDecimal.format(value);
  },
};

/** The class colour of a risk: the last class whose lower bound it reaches. */
function colour(config, value) {
  if (value === null || value === undefined) return config.no_data;
  let found = config.risk[0].colour;
  for (const c of config.risk) if (value >= c.lower) found = c.colour;
  return found;
}

/** An area's figure as words: the risk, or why there is none. */
function areaText(strings, p) {
  if (p.state === "shown") return `${strings.risk_index}: ${ONE_DECIMAL.format(p.risk)}`;
  return strings[p.state] || strings.no_yards;
}

function findingLines(strings, f) {
  const lines = [];
  if (f.active) {
    let text = strings.active.replace("{n}", String(f.active));
    if (f.overdue) text += ` (${strings.overdue.replace("{n}", String(f.overdue))})`;
    lines.push(text);
  }
  if (f.fix_reported) lines.push(strings.fix_reported.replace("{n}", String(f.fix_reported)));
  if (f.verified) lines.push(strings.verified.replace("{n}", String(f.verified)));
  return lines;
}

function yardIndexText(strings, p) {
  return p.risk_index === null || p.risk_index === undefined ? strings.no_index : ONE_DECIMAL.format(p.risk_index);
}

/** One yard in the list under the map: its link, index and findings, as its page says. */
function yardItem(strings, feature) {
  const p = feature.properties;
  const lines = findingLines(strings, p.findings);
  return element("li", { class: "public-yard" }, [
    element("a", { href: p.url, text: p.title }),
    element("span", { class: "yard-index", text: `${strings.risk_index}: ${yardIndexText(strings, p)}` }),
    ...(p.place ? [element("span", { class: "small yard-place", text: p.place })] : []),
    ...(lines.length ? [element("ul", { class: "small finding-counts" }, lines.map((text) => element("li", { text })))] : []),
  ]);
}

function yardLayer(L, map, data, config, say) {
  const strings = config.strings;
  const layer = L.layerGroup().addTo(map);
  const section = document.getElementById("public-map-yards");
  const list = document.getElementById("public-map-yard-list");
  const count = document.getElementById("public-map-yards-count");
  let controller = null;

  function show(features) {
    layer.clearLayers();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const p = feature.properties;
      const lines = findingLines(strings, p.findings);
      const popup = element("div", {}, [
        element("strong", { text: p.title }),
        ...(p.place ? [element("br"), p.place] : []),
        element("br"),
        `${strings.risk_index}: ${yardIndexText(strings, p)}`,
        ...lines.flatMap((text) => [element("br"), text]),
        element("br"),
        element("a", { href: p.url, text: strings.open_yard }),
      ]);
      L.circleMarker([lat, lon], {
        radius: 7,
        className: "yard-marker",
        color: DOT_RING,
        weight: 2,
        fillColor: colour(config, p.risk_index),
        fillOpacity: 1,
      })
        .bindTooltip(`${p.title}: ${yardIndexText(strings, p)}`)
        .bindPopup(popup)
        .addTo(layer);
    }
    if (list && section) {
      section.hidden = false;
      list.replaceChildren(...features.map((f) => yardItem(strings, f)));
      if (count) count.textContent = features.length ? strings.yards_in_view.replace("{n}", String(features.length)) : strings.no_yards_in_view;
    }
  }

  async function refresh(near = null) {
    controller?.abort();
    if (!near && map.getZoom() < YARD_ZOOM) {
      layer.clearLayers();
      if (section) section.hidden = true;
      say(strings.zoom_in);
      return;
    }
    controller = new AbortController();
    let query;
    if (near) {
      query = `near=${near.lat.toFixed(5)},${near.lon.toFixed(5)}`;
    } else {
      const b = map.getBounds();
      query = `bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(",")}`;
    }
    try {
      const response = await fetch(`${data.yardsUrl}?${query}`, { signal: controller.signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      say(body.truncated ? strings.too_many : "");
      show(body.features);
      map.getContainer().dataset.yards = String(body.features.length);
    } catch (error) {
      if (error.name !== "AbortError") say(strings.load_failed);
    }
  }
  return refresh;
}

/** The browser's turn between slices of drawing, so that no long task holds up a tap. */
function yieldToMain() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The operator's tile server (data-tile-url), else SafeYard's own base layer (map-base.js). */
async function drawBackground(L, map, container) {
  const data = container.dataset;
  if (data.tileUrl) {
    const credit = element("span", { text: data.tileAttribution || "" }).innerHTML;
    L.tileLayer(data.tileUrl, { maxZoom: MAX_ZOOM, attribution: credit }).addTo(map);
    return null;
  }
  const base = await import(data.jsBase);
  await base.baseLayer(L, map, data);
  container.dataset.baseReady = "true";
  return base;
}

/** The known areas, a slice per task, each an SVG path.area-shape named by data- attributes.
 * Tooltips and popups are made when first opened, not for every area up front. */
async function drawAreas(L, map, features, config) {
  const strings = config.strings;
  let fresh = [];
  const areas = L.geoJSON(null, {
    style: (feature) => ({
      className: "area-shape",
      fillColor: colour(config, feature.properties.state === "shown" ? feature.properties.risk : null),
      fillOpacity: 0.6,
      color: "#ffffff",
      weight: 0.8,
      opacity: 0.8,
    }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(() => element("span", { text: `${p.name}: ${areaText(strings, p)}` }), { sticky: true });
      layer.bindPopup(() =>
        element("div", {}, [
          element("strong", { text: p.name }),
          element("br"),
          areaText(strings, p),
          element("br"),
          element("a", { href: `/map/areas/${encodeURIComponent(feature.id)}`, text: strings.area_page }),
        ]),
      );
      fresh.push(layer);
    },
  }).addTo(map);
  for (let start = 0; start < features.length; start += AREAS_PER_TASK) {
    if (start) await yieldToMain();
    fresh = [];
    areas.addData(features.slice(start, start + AREAS_PER_TASK));
    for (const layer of fresh) {
      const path = layer.getElement?.();
      path?.setAttribute("data-area-id", layer.feature.id);
      path?.setAttribute("data-state", layer.feature.properties.state);
    }
  }
  return areas;
}

async function startMap(container) {
  const data = container.dataset;
  const config = JSON.parse(data.config);
  const strings = config.strings;
  const statusBox = document.getElementById("public-map-status");
  const say = (text) => {
    if (statusBox) statusBox.textContent = text;
  };
  say(strings.loading);
  // The areas come while Leaflet loads.
  const areasResponse = fetch(data.areasUrl, { headers: { Accept: "application/geo+json" } });
  const L = await loadLeaflet({ js: data.jsLeaflet, css: data.cssLeaflet });
  // Leaflet's evaluation is one task already; its stylesheet's layout is the next frame's:
  // the map starts after both, so no one task holds them all.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const map = L.map(container, { zoomSnap: 0.5, maxZoom: MAX_ZOOM }).setView(CITY, 11);
  map.attributionControl.setPrefix(false);

  // Offline before the areas were ever seen (only the base layer is kept ahead), or a failed
  // answer: the streets are still drawn, with the failure said in the status line.
  const collection = await areasResponse
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    })
    .catch((error) => {
      console.warn("SafeYard: the areas did not load", error);
      return null;
    });
  if (collection) {
    // Areas without a known yard are left out (the API leaves them out when asked
    // ?known=true): the base layer shows through there.
    const known = collection.features.filter((f) => f.properties.state !== "no_yards");
    await drawAreas(L, map, known, config);
    say("");
    container.dataset.ready = "true";
  }

  const refreshYards = yardLayer(L, map, data, config, say);
  map.on("moveend", () => refreshYards());
  refreshYards();

  const nearButton = document.getElementById("public-map-near");
  if (nearButton && "geolocation" in navigator) {
    nearButton.hidden = false;
    nearButton.addEventListener("click", () => {
      say(strings.locating);
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const here = { lat: position.coords.latitude, lon: position.coords.longitude };
          map.setView([here.lat, here.lon], NEAR_ZOOM, { animate: false });
          refreshYards(here);
        },
        () => say(strings.location_failed),
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
  }

  // The streets and district borders after the areas, in slices of their own.
  await yieldToMain();
  const base = await drawBackground(L, map, container).catch((error) => {
    console.warn("SafeYard: the base layer did not load", error);
    return null;
  });
  if (!collection) {
    container.dataset.areasFailed = "true";
    say(strings.load_failed);
    return;
  }
  if (base) base.credit(map, collection.attribution);
  else map.attributionControl.addAttribution(element("span", { text: collection.attribution }).innerHTML);
}

const container = document.getElementById("public-map");
if (container) {
  startMap(container).catch((error) => {
    console.error("SafeYard: the map failed", error);
    const box = document.getElementById("public-map-status");
    if (box) box.textContent = JSON.parse(container.dataset.config).strings.load_failed;
  });
}
