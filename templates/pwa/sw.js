// SafeYard service worker, rendered for one deploy by app/channels/pwa/app_shell.py (a module worker: it
// imports the same offline queue as the pages). Served at /sw.js with Cache-Control: max-age=0,
// so a deploy that changes anything cached changes this script, its cache name and its list.
import * as queue from {{ queue_module|tojson }};

const VERSION = {{ cache_version|tojson }};
const CACHE = `safeyard-${VERSION}`;
// Other API answers seen online (nearby yards, results), kept for offline reading; bounded.
const API_CACHE = "safeyard-api";
const API_CACHE_ENTRIES = 60;
// Result pages this phone has opened, readable offline afterwards. Their URL is the key to the
// result, so they live only here: the Cache API is this browser's own storage for this origin
// (like IndexedDB), not an HTTP cache, and it keeps what it is given whatever the answer's
// Cache-Control says; the server's "private, no-store" still keeps proxies and the browser's
// HTTP cache from holding them. Kept across deploys (the page's versioned CSS falls back to the
// current deploy's copy), bounded, and deleted from the "my checklists" page on request.
const RESULTS_CACHE = "safeyard-results";
const RESULTS_CACHE_ENTRIES = 50;
const RESULT_PATH = /^\/result\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const ASSETS = {{ assets|tojson }};
const PAGES = {{ pages|tojson }};
const PAGE_PATHS = new Set({{ page_paths|list|tojson }});
const API = {{ api|tojson }};
// The maps' base layer, one URL per language: kept for the languages this phone uses (not all
// three: ~190 KB each). The only answers under a staff prefix that are kept, by exact URL.
const BASE_LAYERS = {{ base_layers|tojson }};
const LANGS = {{ langs|list|tojson }};
const DEFAULT_LANG = {{ default_lang|tojson }};
const SYNC_TAG = {{ sync_tag|tojson }};
const OFFLINE_PATH = "/offline";
// Staff pages and the staff API hold non-public data: network only, never kept on the device.
const STAFF_PREFIXES = ["/inspector", "/admin", "/api/v1/micro-districts", "/api/v1/districts", "/api/v1/exports/", "/api/v1/map/"];
const NAVIGATION_TIMEOUT_MS = 3000;

// ------------------------------------------------------------------ install and activate

// Pages and API answers are fetched without cookies: a ?lang= page fetched with them would
// switch the resident's language, and the language is in the URL anyway.
function fresh(url) {
  return new Request(url, { credentials: "omit", cache: "no-cache" });
}

async function store(cache, url, request = fresh(url)) {
  const response = await fetch(request);
  // A redirected page (say, to the find page) is not the page asked for.
  if (!response.ok || response.redirected) throw new Error(`${url}: HTTP ${response.status}`);
  await cache.put(url, response);
}

async function storeAsset(cache, url) {
  // A versioned URL never changes content: copy it from the previous deploy's cache if there.
  const previous = await caches.match(url);
  if (previous) await cache.put(url, previous);
  else await store(cache, url, new Request(url));
}

/** The base layer in the languages this phone uses: the one the pages last wrote (app.js), or
 * the default, and any the previous deploy kept. Best effort: offline, the maps say they have
 * no background and still take a tap. Refreshed in the background when drawn (baseLayer). */
async function storeBaseLayers(cache) {
  const remembered = await queue.getPref("lang").catch(() => null);
  const langs = new Set([LANGS.includes(remembered) ? remembered : DEFAULT_LANG]);
  for (const url of BASE_LAYERS) {
    if (await caches.match(url, { ignoreVary: true })) langs.add(langOf(url));
  }
  await Promise.allSettled(BASE_LAYERS.filter((url) => langs.has(langOf(url))).map(async (url) => {
    if (!(await cache.match(url, { ignoreVary: true }))) await store(cache, url);
  }));
}

function langOf(url) {
  return new URL(url, self.location.href).searchParams.get("lang");
}

/** Pages not cached yet (a failed fetch at install): best effort, as often as asked. */
async function storeMissingPages(cache) {
  await Promise.allSettled(PAGES.map(async (url) => {
    if (!(await cache.match(url))) await store(cache, url);
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Without these nothing works offline: a failure fails the install, and the old worker stays.
    await Promise.all(ASSETS.map((url) => storeAsset(cache, url)));
    await Promise.all(API.map((url) => store(cache, url)));
    await Promise.all(PAGES.filter((url) => url.startsWith(`${OFFLINE_PATH}?`)).map((url) => store(cache, url)));
    await storeMissingPages(cache);
    await storeBaseLayers(cache);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("safeyard-") && ![CACHE, API_CACHE, RESULTS_CACHE].includes(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// ------------------------------------------------------------------ fetch

self.addEventListener("fetch", (event) => {
  const { request } = event;
  // Never a POST: the queue sends (and retries) checklists itself.
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Map tiles and anything else from elsewhere: straight to the network, never cached.
  if (url.origin !== self.location.origin) return;
  // Staff data is never kept: network only. The one exception under a staff prefix is the
  // public base layer, kept by its exact URLs.
  const exact = url.pathname + url.search;
  const isBaseLayer = BASE_LAYERS.includes(exact);
  if (!isBaseLayer && STAFF_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (isBaseLayer) {
    event.respondWith(baseLayer(event, request, exact));
    return;
  }
  const result = request.mode === "navigate" && RESULT_PATH.exec(url.pathname);
  if (result) event.respondWith(resultPage(event, request, url, result[1]));
  else if (request.mode === "navigate") event.respondWith(navigate(request, url));
  else if (url.pathname.startsWith("/static/")) event.respondWith(staticAsset(request, url));
  else if (url.pathname.startsWith("/api/")) event.respondWith(api(request, url));
});

/** The language of a page served from the cache: the URL's, else the one last seen online. */
async function pageLang(url) {
  const asked = url.searchParams.get("lang");
  if (LANGS.includes(asked)) {
    queue.setPref("lang", asked).catch(() => {});
    return asked;
  }
  // Read each time: the pages write it (app.js) whenever they load.
  const remembered = await queue.getPref("lang").catch(() => null);
  return LANGS.includes(remembered) ? remembered : DEFAULT_LANG;
}

function timeout(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}

// Network first; a cached copy after 3 s or when the network fails; the offline page last.
async function navigate(request, url) {
  const network = fetch(request);
  network.catch(() => {});
  const hasPlace = url.pathname === "/yard/find" && url.searchParams.has("lat") && url.searchParams.has("lon");
  const hasCopy = PAGE_PATHS.has(url.pathname);
  let offline = false;
  try {
    const response = hasCopy ? await Promise.race([network, timeout(NAVIGATION_TIMEOUT_MS)]) : await network;
    if (response) return response;
  } catch {
    offline = true;
  }
  if (hasPlace) {
    // The server cannot look the place up now: go straight to the checklist, which keeps the
    // place and sends it with the answers; the server finds the district then.
    const target = new URL("/checklist", url);
    for (const key of ["lat", "lon", "accuracy_m", "lang"]) {
      if (url.searchParams.has(key)) target.searchParams.set(key, url.searchParams.get(key));
    }
    return Response.redirect(target.href, 303);
  }
  const lang = await pageLang(url);
  const cache = await caches.open(CACHE);
  // /checklist?yard_id=5 and /yard/find?q=.. are served by the page cached for their language.
  const copy = hasCopy ? await cache.match(`${url.pathname}?lang=${lang}`, { ignoreVary: true }) : null;
  if (copy) return copy;
  if (!offline) {
    try {
      return await network; // slow, but there is nothing better to show
    } catch {
      // offline after all
    }
  }
  return offlinePage(cache, lang);
}

// Network first; the copy kept when it was last seen, when offline. Only a plain result page
// is kept (not one with ?photo_refused=..., whose warning is about that moment).
async function resultPage(event, request, url, id) {
  const key = url.origin + url.pathname;
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      const copy = response.clone();
      event.waitUntil((async () => {
        if (!url.search) {
          const cache = await caches.open(RESULTS_CACHE);
          await cache.put(key, copy);
          await trim(cache, RESULTS_CACHE_ENTRIES);
        }
        await queue.markSeen(id).catch(() => {});
      })());
    }
    return response;
  } catch {
    const kept = await (await caches.open(RESULTS_CACHE)).match(key, { ignoreVary: true });
    if (kept) {
      event.waitUntil(queue.markSeen(id).catch(() => {}));
      return kept;
    }
    return offlinePage(await caches.open(CACHE), await pageLang(url));
  }
}

async function offlinePage(cache, lang) {
  const page = await cache.match(`${OFFLINE_PATH}?lang=${lang}`, { ignoreVary: true });
  return page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

// Cache first: a versioned URL's content never changes, and this cache is this deploy's.
async function staticAsset(request, url) {
  const cache = await caches.open(CACHE);
  const versioned = url.searchParams.has("v");
  const hit = (await cache.match(request, { ignoreVary: true }))
    || (!versioned && (await cache.match(request, { ignoreSearch: true, ignoreVary: true })));
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok && versioned) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const any = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
    if (any) return any;
    throw error;
  }
}

// Network first, the last answer seen when offline.
async function api(request, url) {
  const key = url.pathname + url.search;
  const precached = API.includes(key);
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(precached ? CACHE : API_CACHE);
      await cache.put(request, response.clone());
      if (!precached) trim(cache, API_CACHE_ENTRIES);
    }
    return response;
  } catch (error) {
    let copy = await caches.match(request, { ignoreVary: true });
    if (!copy && url.pathname === "/api/v1/checklist" && !url.searchParams.has("lang")) {
      copy = await caches.match(`${url.pathname}?lang=${await pageLang(url)}`, { ignoreVary: true });
    }
    if (copy) return copy;
    throw error;
  }
}

// Stale-while-revalidate: the kept copy draws at once, online or not, and the network's answer
// replaces it for next time; the first time (or a language not kept yet), the network's.
async function baseLayer(event, request, key) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(key, { ignoreVary: true });
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(key, response.clone());
    return response;
  });
  if (!kept) return network;
  event.waitUntil(network.catch(() => {}));
  return kept;
}

// Oldest first: the Cache API lists keys in the order they were put.
async function trim(cache, keep) {
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - keep)).map((key) => cache.delete(key)));
}

// ------------------------------------------------------------------ sending the queue

// Background Sync: the browser wakes this worker when the connection returns, even with the
// site closed. A rejection asks it to try again later (it backs off by itself).
self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil((async () => {
    const result = await queue.flush({ force: true });
    if ((result.retry > 0 || result.busy) && !event.lastChance) {
      throw new Error(`${result.retry} checklist(s) still waiting`);
    }
  })());
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "precache") {
    event.waitUntil(caches.open(CACHE).then((cache) => Promise.all([storeMissingPages(cache), storeBaseLayers(cache)])));
  } else if (type === "flush") {
    event.waitUntil(queue.flush({ force: true }));
  }
});
