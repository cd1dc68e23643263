// SafeYard: progressive enhancement of the server-rendered pages. Every page works without
// this script; with it the site installs as an app, works offline and never loses a checklist.
//
// base.html hands over the versioned URL of each module (data-js-*) so that a deploy never mixes
// old and new code; the modules do not import each other and are wired here.

const FLUSH_EVERY_MS = 15_000;
const LOCATE_OPTIONS = { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 };

const config = document.body.dataset;
// data-js-queue="/static/js/queue.js?v=..." and so on; unversioned if a page lacks the hook.
const moduleUrl = (key, file) => config[key] || new URL(`./${file}`, import.meta.url).href;

/** The page's interface strings: <template id="i18n-strings"> holds one per English msgid. */
function strings() {
  const table = new Map();
  const template = document.getElementById("i18n-strings");
  for (const node of template ? template.content.querySelectorAll("[data-msgid]") : []) {
    table.set(node.dataset.msgid, node.textContent);
  }
  return (msgid, variables = {}) =>
    (table.get(msgid) ?? msgid).replace(/\{(\w+)\}/g, (match, name) => (name in variables ? String(variables[name]) : match));
}

function locate() {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) reject(new Error("no geolocation"));
    else navigator.geolocation.getCurrentPosition(resolve, reject, LOCATE_OPTIONS);
  });
}

/** The interface string (an English msgid) that explains a geolocation failure. */
function locationProblem(error) {
  if (error && error.code === 1) {
    return "Location is not allowed. Allow it in the browser settings, or choose the yard on the map.";
  }
  if (error && (error.code === 2 || error.code === 3)) {
    return "Could not find your location. Step into an open spot and try again, or choose the yard on the map.";
  }
  return "This device cannot tell its location. Choose the yard on the map.";
}

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    // A module worker: it imports the same queue.js as the pages.
    const registration = await navigator.serviceWorker.register("/sw.js", {
      type: "module",
      scope: "/",
      updateViaCache: "none",
    });
    // Pages the worker could not fetch when it installed (a slow moment): fetch them now.
    if (navigator.onLine) {
      const worker = registration.active || (await navigator.serviceWorker.ready).active;
      worker?.postMessage({ type: "precache" });
    }
  } catch (error) {
    console.warn("SafeYard: no offline support in this browser", error);
  }
}

async function main() {
  registerServiceWorker();
  const t = strings();
  const form = document.getElementById("checklist-form");
  const box = document.getElementById("queue-status");
  const locateButton = document.getElementById("locate-me");
  const mapElement = document.getElementById("map");
  const load = (key, file) => import(moduleUrl(key, file));
  let queue, drafts, checklist, findYard, status;
  try {
    [queue, drafts, checklist, findYard, status] = await Promise.all([
      load("jsQueue", "queue.js"),
      load("jsDraft", "draft.js"),
      form ? load("jsChecklist", "checklist.js") : null,
      locateButton || mapElement ? load("jsFindYard", "find-yard.js") : null,
      box ? load("jsStatus", "status.js") : null,
    ]);
  } catch (error) {
    // The pages work without the scripts: leave them as the server made them.
    console.warn("SafeYard: the scripts could not load", error);
    return;
  }
  const flush = (options) => queue.flush(options).catch((error) => console.warn("SafeYard: sending failed", error));

  // One part failing leaves the others (and the plain page) working.
  const attempt = (what, work) => {
    try {
      work();
    } catch (error) {
      console.error(`SafeYard: ${what} failed`, error);
    }
  };
  if (form) attempt("the checklist", () => checklist.enhance(form, { queue, drafts, t, locate, locationProblem }));
  if (findYard) {
    attempt("the find page", () => findYard.enhance({
      locateButton,
      mapElement,
      attribution: document.querySelector(".map-attribution"),
      drafts,
      t,
      locate,
      locationProblem,
      leaflet: { js: config.leafletJs, css: config.leafletCss },
    }));
  }
  if (box) attempt("the queue status", () => status.mount(box, { queue, drafts, t, flushNow: () => flush({ force: true }) }));
  // The service worker picks the cached page in the language the resident last chose.
  queue.setPref("lang", document.documentElement.lang).catch(() => {});

  // Send what waits: now (a new visit), when the connection returns, while the page is open.
  flush();
  addEventListener("online", () => flush({ force: true }));
  setInterval(() => {
    if (navigator.onLine) flush();
  }, FLUSH_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
  });
  // For tests and styles: the scripts have done their part.
  document.documentElement.dataset.enhanced = "true";
}

main();
