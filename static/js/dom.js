// SafeYard's small DOM helpers, shared by the page scripts (checklist.js, find-yard.js,
// inspector-map.js, public-map.js, mine.js, status.js, checklist-review.js, place-search.js).
// Imported by relative URL: unversioned, so the server answers it "no-cache"
// (app/platform/static_files.py) and the service worker from this deploy's cache.

/** An element with attributes (``text`` sets its text, never HTML) and children. */
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function loadOnce(tag, attributes) {
  return new Promise((resolve, reject) => {
    const node = element(tag, attributes);
    node.addEventListener("load", () => resolve(node), { once: true });
    node.addEventListener("error", () => reject(new Error(`could not load ${attributes.src || attributes.href}`)), { once: true });
    document.head.append(node);
  });
}

/** Leaflet from the packaged copy (precached by the service worker, so it loads offline). */
export async function loadLeaflet({ js, css }) {
  if (window.L) return window.L;
  await Promise.all([
    loadOnce("link", { rel: "stylesheet", href: css }),
    loadOnce("script", { src: js }),
  ]);
  return window.L;
}

/** The locale a page's language writes numbers and dates with. Debian's Chromium has no Kazakh
 * data for them ("kk" comes out as 1,234.6 and 2026-12-06); Kazakh is written like Russian
 * (1 234,6; 06.12.2026), as the server's Babel writes it. */
export const numberLocale = (lang) => (lang === "kk" ? "ru" : lang);
