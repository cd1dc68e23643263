// SafeYard find-yard page: "locate me" and a map to tap. Both lead to /yard/find?lat=..&lon=..,
// which the server answers with the nearby yards and the district; offline they lead straight to
// the checklist, which keeps the chosen place and sends it with the answers. A place chosen in
// the name search (place-search.js, a "safeyard:place" event on #map) centres the map on it.
// The map's background is SafeYard's own base layer (map-base.js: district borders and streets,
// no tile server), or the operator's tile server when #map names one (data-tile-url).

import { element, loadLeaflet } from "./dom.js";

const ATTRIBUTION_URL = "https://www.openstreetmap.org/copyright";
const GOOD_ACCURACY_M = 50;
const CITY_ZOOM = 12;
const YARD_ZOOM = 17;
const PLACE_ZOOM = 16;
const MAX_ZOOM = 19;

/** Where the checklist should go: the server's look-up online, the checklist itself offline. */
function go(drafts, { lat, lon, accuracy_m = null }) {
  // Six decimals: about 10 cm, far finer than any phone can tell.
  lat = Number(lat.toFixed(6));
  lon = Number(lon.toFixed(6));
  // Kept on the device either way: if the look-up cannot reach the server, the checklist
  // (served from the phone) still knows where the resident is.
  drafts.choosePlace({ lat, lon, accuracy_m });
  if (!navigator.onLine) {
    location.assign("/checklist");
    return;
  }
  const query = new URLSearchParams({ lat: String(lat), lon: String(lon) });
  if (accuracy_m !== null) query.set("accuracy_m", String(Math.round(accuracy_m)));
  location.assign(`/yard/find?${query}`);
}

export function enhance({ locateButton, mapElement, attribution, drafts, t, leaflet, locate, locationProblem }) {
  let mapApi = null; // {show(lat, lon, accuracy)} once the map is up

  if (locateButton) {
    const status = element("div", { class: "locate-status", "aria-live": "polite" });
    locateButton.after(status);
    locateButton.hidden = false;
    locateButton.addEventListener("click", async () => {
      locateButton.disabled = true;
      status.replaceChildren(element("p", { class: "field-hint", text: t("Finding your location…") }));
      try {
        const position = await locate();
        const place = {
          lat: position.coords.latitude,
          lon: position.coords.longitude,
          accuracy_m: Math.round(position.coords.accuracy),
        };
        if (mapApi) mapApi.show(place.lat, place.lon, place.accuracy_m);
        if (place.accuracy_m <= GOOD_ACCURACY_M) {
          status.replaceChildren(element("p", { text: t("Location found: accurate to {m} m.", { m: place.accuracy_m }) }));
          go(drafts, place);
          return;
        }
        const use = element("button", { type: "button", class: "button button-primary", text: t("Use this location") });
        const again = element("button", { type: "button", class: "button", text: t("Try again") });
        use.addEventListener("click", () => go(drafts, place));
        again.addEventListener("click", () => locateButton.click());
        status.replaceChildren(
          element("p", { class: "warning", text: t("Location found, but only accurate to {m} m. Step into an open spot and try again, or choose the yard on the map.", { m: place.accuracy_m }) }),
          element("div", { class: "button-row" }, [use, again]),
        );
        use.focus();
      } catch (error) {
        status.replaceChildren(element("p", { class: "warning", text: t(locationProblem(error)) }));
      } finally {
        locateButton.disabled = false;
      }
    });
  }

  if (mapElement) {
    // A place chosen before the map is up waits for it.
    let pendingPlace = null;
    mapElement.addEventListener("safeyard:place", (event) => {
      if (mapApi) mapApi.centre(event.detail);
      else pendingPlace = event.detail;
    });
    startMap({ mapElement, attribution, drafts, t, leaflet })
      .then((api) => {
        mapApi = api;
        if (pendingPlace) api.centre(pendingPlace);
      })
      .catch((error) => {
        console.warn("SafeYard: the map could not start", error);
        mapElement.hidden = true;
        if (attribution) attribution.hidden = true;
        const hint = mapElement.parentElement?.querySelector(".map-hint");
        if (hint) hint.hidden = true;
      });
  }
}

/** After the browser's next frame (its style and layout done), in a task of its own. */
function afterNextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

async function startMap({ mapElement, attribution, drafts, t, leaflet }) {
  mapElement.hidden = false;
  if (attribution) {
    if (!attribution.textContent.trim()) {
      attribution.append("© ", element("a", { href: ATTRIBUTION_URL, text: "OpenStreetMap" }), " contributors");
    }
    attribution.hidden = false;
  }
  const L = await loadLeaflet(leaflet);
  // Leaflet's evaluation is one task already; its stylesheet's layout is the next frame's:
  // the map starts after both, so no one task holds them all.
  await afterNextFrame();
  const centre = [Number(mapElement.dataset.lat) || 43.2389, Number(mapElement.dataset.lon) || 76.8897];
  const zoom = Number(mapElement.dataset.zoom) || CITY_ZOOM;
  const map = L.map(mapElement, { attributionControl: false, maxZoom: MAX_ZOOM }).setView(centre, zoom);
  // Where the map stands, for tests and styles.
  const noteCentre = () => {
    const { lat, lng } = map.getCenter();
    mapElement.dataset.centre = `${lat.toFixed(5)},${lng.toFixed(5)}`;
  };
  map.on("moveend", noteCentre);
  noteCentre();

  // The hint is in the page already (its room kept from the start); older pages lack it.
  let hint = mapElement.parentElement.querySelector(".map-hint");
  if (!hint) {
    hint = element("p", { class: "field-hint map-hint", "aria-live": "polite", text: t("Tap the map where the yard is.") });
    (attribution || mapElement).after(hint);
  }
  const choose = element("button", { type: "button", class: "button button-primary button-block", hidden: "", text: t("Check the yard here") });
  hint.after(choose);

  // Offline the background cannot load: the map stays plain and a tap still works.
  drawBackground(L, map, mapElement, () => {
    hint.textContent = t("The map cannot be loaded without internet. You can still tap where the yard is.");
  });

  let marker = null;
  let circle = null;
  let chosen = null;
  function mark(lat, lon, accuracy_m = null) {
    chosen = { lat, lon, accuracy_m };
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
    if (circle) circle.remove();
    circle = accuracy_m ? L.circle([lat, lon], { radius: accuracy_m, weight: 1 }).addTo(map) : null;
    choose.hidden = false;
    // Below a tall map the button would be out of sight on a phone: bring it up, the map with it.
    choose.scrollIntoView({ block: "nearest" });
  }
  map.on("click", (event) => mark(event.latlng.lat, event.latlng.lng));
  // Keyboard: the map pans with the arrows; Enter marks its centre.
  mapElement.addEventListener("keydown", (event) => {
    if (event.target === mapElement && event.key === "Enter") {
      const { lat, lng } = map.getCenter();
      mark(lat, lng);
      event.preventDefault();
    }
  });
  choose.addEventListener("click", () => chosen && go(drafts, chosen));

  return {
    show(lat, lon, accuracy_m) {
      mark(lat, lon, accuracy_m);
      map.setView([lat, lon], YARD_ZOOM);
    },
    /** A street (its box) or a micro-district or stop (its point): the resident then taps the yard. */
    centre(place) {
      if (place.bbox) {
        const [west, south, east, north] = place.bbox;
        map.fitBounds([[south, west], [north, east]], { maxZoom: YARD_ZOOM, animate: false });
      } else {
        map.setView([place.lat, place.lon], PLACE_ZOOM, { animate: false });
      }
      hint.textContent = t("Tap the map where the yard is.");
    },
  };
}

/** The operator's tile server if #map names one, else SafeYard's own base layer; `failed()`
 * once if it cannot load. */
function drawBackground(L, map, mapElement, failed) {
  const data = mapElement.dataset;
  if (data.tileUrl) {
    let told = false;
    L.tileLayer(data.tileUrl, { maxZoom: MAX_ZOOM })
      .on("tileerror", () => {
        if (!told) failed();
        told = true;
      })
      .addTo(map);
    return;
  }
  if (!data.jsBase || !data.baseUrl) return;
  import(data.jsBase)
    .then((base) => base.baseLayer(L, map, data))
    .then(() => { mapElement.dataset.baseReady = "true"; })
    .catch((error) => {
      console.warn("SafeYard: the base layer did not load", error);
      failed();
    });
}
