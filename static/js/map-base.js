// SafeYard's own base layer for its maps: district borders and names above the areas, the named
// streets beneath them, street names at close zoom. Loaded by inspector-map.js, public-map.js
// and find-yard.js (dynamic import of its versioned URL); the data is GET /api/v1/map/base
// (OpenStreetMap data): no tile server. The lines are fetched and painted as tiles by
// map-base-worker.js, off the main thread; only the names are DOM here.

// Street names from this zoom (the worker draws the minor streets from 14).
const STREET_LABEL_ZOOM = 15;
const MAX_STREET_LABELS = 60;
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

/** A name on the map (a district's, a street's): a marker of no size holding the text,
 * centred by its own transform. Unlike a Leaflet tooltip it never measures itself, so adding dozens of
 * names costs no layout each. */
function nameLabel(L, latlng, name, className) {
  const label = text(name);
  label.className = `leaflet-tooltip ${className}`;
  label.style.transform = "translate(-50%, -50%)";
  const icon = L.divIcon({ html: label, className: "base-label", iconSize: null });
  return L.marker(latlng, { icon, interactive: false, keyboard: false, pane: "baseLabels" });
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

/** The worker that fetches and paints the base layer (map-base-worker.js); its versioned URL
 * from the map's data-js-base-worker when the page gives one. */
function startWorker(data) {
  if (typeof OffscreenCanvas === "undefined") throw new Error("no OffscreenCanvas in this browser");
  const url = data.jsBaseWorker || new URL("./map-base-worker.js", import.meta.url).href;
  const worker = new Worker(url);
  worker.postMessage({ type: "start", baseUrl: data.baseUrl, lang: LANG });
  return worker;
}

/** A Leaflet grid of canvases the worker paints: the main thread only hands over bitmaps. */
// Tile requests are numbered across every grid of the page (they share one worker).
let tileCounter = 0;

function workerTiles(L, worker, kind, pane) {
  const waiting = new Map();
  worker.addEventListener("message", ({ data: message }) => {
    if (message.type !== "tile" || !waiting.has(message.id)) return;
    const { tile, done } = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.bitmap) {
      tile.width = message.bitmap.width;
      tile.height = message.bitmap.height;
      tile.getContext("bitmaprenderer").transferFromImageBitmap(message.bitmap);
    }
    done(null, tile);
  });
  const ratio = Math.min(2, Math.ceil(globalThis.devicePixelRatio || 1));
  const Grid = L.GridLayer.extend({
    createTile(coords, done) {
      const tile = document.createElement("canvas");
      tile.dataset.tile = `${kind} ${coords.z}/${coords.x}/${coords.y}`;
      const id = ++tileCounter;
      waiting.set(id, { tile, done });
      worker.postMessage({ type: "tile", id, kind, z: coords.z, x: coords.x, y: coords.y, ratio });
      return tile;
    },
  });
  return new Grid({ pane, maxZoom: 19, updateWhenZooming: false, keepBuffer: 1 });
}

/** The worker's first answer: the names and the credit, or why it could not load. */
function firstAnswer(worker) {
  return new Promise((resolve, reject) => {
    const listen = ({ data: message }) => {
      if (message.type === "ready") resolve(message);
      else if (message.type === "error") reject(new Error(message.message));
      else return;
      worker.removeEventListener("message", listen);
    };
    worker.addEventListener("message", listen);
    worker.addEventListener("error", (event) => reject(new Error(event.message || "the base layer's worker failed")));
  });
}

/** Street names written along the streets in view, at close zoom: a few dozen names at
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
        const name = feature.name;
        if (named.has(name)) continue;
        for (const [lon, lat] of feature.label_at) {
          if (!bounds.contains([lat, lon])) continue;
          const point = map.latLngToContainerPoint([lat, lon]);
          const width = name.length * 7;
          // Only names that fit whole inside the map.
          if (point.x - width / 2 < 4 || point.x + width / 2 > size.x - 4) continue;
          if (placed.some((q) => Math.abs(q.x - point.x) < (q.width + width) / 2 + 8 && Math.abs(q.y - point.y) < 18)) continue;
          placed.push({ x: point.x, y: point.y, width });
          named.add(name);
          layer.addLayer(nameLabel(L, [lat, lon], name, "street-label"));
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
 * the district borders and names above them (they take no clicks). A worker fetches and
 * paints them as tiles; only the names are DOM here. */
export async function baseLayer(L, map, data) {
  map.createPane("streets").style.zIndex = 350;
  map.createPane("districtBorders").style.zIndex = 450;
  map.createPane("baseLabels").style.zIndex = 460;
  map.getPane("districtBorders").style.pointerEvents = "none";
  map.getPane("baseLabels").style.pointerEvents = "none";
  const worker = startWorker(data);
  const ready = firstAnswer(worker);
  // Awaited below, after the grids: not an unhandled rejection if it fails before then.
  ready.catch(() => {});
  // Each grid sets up its tiles in a task of its own.
  await nextTask();
  workerTiles(L, worker, "streets", "streets").addTo(map);
  await nextTask();
  workerTiles(L, worker, "borders", "districtBorders").addTo(map);
  const body = await ready;
  credit(map, body.attribution, `<a href="${body.licenseUrl}">${body.attribution}</a>`);
  const streetSets = [body.streets];
  const refreshLabels = streetLabels(L, map, streetSets);
  worker.addEventListener("message", ({ data: message }) => {
    if (message.type !== "detail") return;
    streetSets.push(message.streets);
    refreshLabels();
  });
  const districtLabels = body.districts.map((d) => nameLabel(L, [d.at[1], d.at[0]], d.name, "district-label").addTo(map));
  // At the city's scale some names would overlap: the later of two overlapping ones hides.
  // All shown first, then all measured (one layout), then the hiding.
  const declutter = () => {
    const nodes = districtLabels.map((label) => label.getElement()?.firstElementChild).filter(Boolean);
    for (const node of nodes) node.style.visibility = "";
    const boxes = nodes.map((node) => node.getBoundingClientRect());
    const shown = [];
    boxes.forEach((box, i) => {
      const hit = shown.some((b) => box.left < b.right && b.left < box.right && box.top < b.bottom && b.top < box.bottom);
      if (hit) nodes[i].style.visibility = "hidden";
      else shown.push(box);
    });
  };
  // District names: small at the city's scale, where eight of them share the view.
  const labelScale = () => map.getContainer().classList.toggle("map-city-scale", map.getZoom() < 12.5);
  map.on("zoomend", labelScale);
  map.on("zoomend", declutter);
  labelScale();
  declutter();
  refreshLabels();
}
