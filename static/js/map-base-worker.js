// SafeYard's base layer drawn off the main thread (started by static/js/map-base.js): this
// worker fetches GET /api/v1/map/base, projects it once, and paints each 256 px map tile that
// Leaflet asks for into an OffscreenCanvas, handing back an ImageBitmap. Parsing the JSON and
// drawing thousands of street segments here costs the page's main thread nothing, so a tap or
// a scroll is never held up by the map's background (Lighthouse's Total Blocking Time).
//
// Messages in:  {type: "start", baseUrl, lang}
//               {type: "tile", id, kind: "streets" | "borders", z, x, y, ratio}
// Messages out: {type: "ready", attribution, licenseUrl, districts: [{name, at}], streets: [{name, label_at}]}
//               {type: "detail", streets: [...]}  (minor streets' names, once fetched)
//               {type: "tile", id, bitmap | null}  (null: nothing to draw there)
//               {type: "error", message}

// Minor streets are fetched and drawn from this zoom (as the old in-page layer did).
const DETAIL_ZOOM = 14;
const TILE = 256;
// Room around a tile for a line's width, in screen pixels.
const MARGIN_PX = 8;

let base = null; // Promise of {districts, major} (projected)
let detail = null; // Promise of minor streets (projected), fetched on the first close tile
let start = null;

async function fetchBase(withDetail) {
  const query = `?lang=${encodeURIComponent(start.lang)}${withDetail ? "&detail=true" : ""}`;
  const response = await fetch(`${start.baseUrl}${query}`, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/** Web Mercator at zoom 0 (Leaflet's EPSG:3857): the world is one 256 px tile. */
function project(lon, lat) {
  const sin = Math.sin((Math.max(Math.min(lat, 85.0511), -85.0511) * Math.PI) / 180);
  return [(TILE * (lon + 180)) / 360, TILE * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI))];
}

/** A feature's lines as flat [x0, y0, x1, y1, ...] arrays at zoom 0, with their box. */
function projected(feature) {
  const g = feature.geometry;
  const lines =
    g.type === "LineString" ? [g.coordinates]
    : g.type === "MultiLineString" || g.type === "Polygon" ? g.coordinates
    : g.type === "MultiPolygon" ? g.coordinates.flat()
    : [];
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const paths = lines.map((line) => {
    const flat = new Float64Array(line.length * 2);
    line.forEach(([lon, lat], i) => {
      const [x, y] = project(lon, lat);
      flat[2 * i] = x;
      flat[2 * i + 1] = y;
      if (x < box[0]) box[0] = x;
      if (y < box[1]) box[1] = y;
      if (x > box[2]) box[2] = x;
      if (y > box[3]) box[3] = y;
    });
    return flat;
  });
  return { paths, box };
}

const labelsOf = (features) => features.map((f) => ({ name: f.properties.name, label_at: f.properties.label_at }));

function loadDetail() {
  detail ??= fetchBase(true).then((body) => {
    self.postMessage({ type: "detail", streets: labelsOf(body.features) });
    return body.features.map(projected);
  });
  return detail;
}

/** How each part is drawn at zoom z: the old in-page layer's colours and widths. */
function styles(kind, z) {
  if (kind === "borders") return [{ key: "districts", color: "#2b2b2b", width: 3, alpha: 0.9, dash: [12, 4] }];
  const major = { key: "major", color: "#5f5a4f", width: z >= DETAIL_ZOOM ? 3 : z >= 13 ? 1.8 : 0.8, alpha: z >= 13 ? 0.8 : 0.45 };
  // Minor streets beneath the major ones.
  return z >= DETAIL_ZOOM ? [{ key: "minor", color: "#8d8778", width: 1, alpha: 0.8 }, major] : [major];
}

async function drawTile({ id, kind, z, x, y, ratio }) {
  const data = await base;
  const layers = { districts: data.districts, major: data.major };
  if (kind === "streets" && z >= DETAIL_ZOOM) {
    // Without the minor streets (offline, say) the major ones are still drawn; asked again
    // on the next close tile.
    layers.minor = await loadDetail().catch(() => {
      detail = null;
      return [];
    });
  }
  const scale = 2 ** z;
  const margin = MARGIN_PX / scale;
  const [west, north] = [(x * TILE) / scale - margin, (y * TILE) / scale - margin];
  const [east, south] = [((x + 1) * TILE) / scale + margin, ((y + 1) * TILE) / scale + margin];
  let canvas = null;
  let ctx = null;
  for (const style of styles(kind, z)) {
    const features = layers[style.key].filter((f) => f.box[0] <= east && f.box[2] >= west && f.box[1] <= south && f.box[3] >= north);
    if (!features.length) continue;
    if (!canvas) {
      canvas = new OffscreenCanvas(Math.round(TILE * ratio), Math.round(TILE * ratio));
      ctx = canvas.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
    }
    // One path per style: one stroke for all of a tile's streets of a class.
    ctx.beginPath();
    for (const feature of features) {
      for (const flat of feature.paths) {
        ctx.moveTo(flat[0] * scale - x * TILE, flat[1] * scale - y * TILE);
        for (let i = 2; i < flat.length; i += 2) ctx.lineTo(flat[i] * scale - x * TILE, flat[i + 1] * scale - y * TILE);
      }
    }
    ctx.strokeStyle = style.color;
    ctx.globalAlpha = style.alpha;
    ctx.lineWidth = style.width;
    // Whole rings in world pixels: the dashes run on across the tiles' edges.
    ctx.setLineDash(style.dash || []);
    ctx.stroke();
  }
  const bitmap = canvas ? canvas.transferToImageBitmap() : null;
  self.postMessage({ type: "tile", id, bitmap }, bitmap ? [bitmap] : []);
}

self.addEventListener("message", ({ data: message }) => {
  if (message.type === "start") {
    start = message;
    base = fetchBase(false).then((body) => {
      const districts = body.features.filter((f) => f.properties.kind === "district");
      const major = body.features.filter((f) => f.properties.kind === "street");
      self.postMessage({
        type: "ready",
        attribution: body.attribution,
        licenseUrl: body.license_url,
        districts: districts.map((d) => ({ name: d.properties.name, at: d.properties.label_at })),
        streets: labelsOf(major),
      });
      return { districts: districts.map(projected), major: major.map(projected) };
    });
    base.catch((error) => self.postMessage({ type: "error", message: String(error) }));
  } else if (message.type === "tile") {
    // Without the base layer (offline, a server error) the tile stays blank: the page was
    // told once, by the "error" message above.
    drawTile(message).catch(() => self.postMessage({ type: "tile", id: message.id, bitmap: null }));
  }
});
