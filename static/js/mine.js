// SafeYard "my checklists" (/mine): the results of the checklists sent from this phone, those
// waiting for a connection and the unfinished drafts, drawn from the phone's own storage (the
// queue's IndexedDB and the drafts' localStorage). Residents have no accounts: the list, and
// the result links in it, exist only in this browser.

import { element, numberLocale } from "./dom.js";

const RESULTS_CACHE = "safeyard-results"; // templates/pwa/sw.js keeps seen result pages there
const BANDS = { low: "Low risk", moderate: "Moderate risk", high: "High risk", critical: "Critical risk" };

const config = document.body.dataset;
const moduleUrl = (key, file) => config[key] || new URL(`./${file}`, import.meta.url).href;
const lang = document.documentElement.lang || "ru";

/** The page's strings: base.html's table and this page's own, by English msgid. */
function strings() {
  const table = new Map();
  for (const id of ["i18n-strings", "mine-strings"]) {
    const template = document.getElementById(id);
    for (const node of template ? template.content.querySelectorAll("[data-msgid]") : []) {
      table.set(node.dataset.msgid, node.textContent);
    }
  }
  return (msgid, variables = {}) =>
    (table.get(msgid) ?? msgid).replace(/\{(\w+)\}/g, (match, name) => (name in variables ? String(variables[name]) : match));
}

const t = strings();

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  try {
    // Numeric: Chromium's Kazakh month names are missing ("2026 M12 6"); 06.12.2026, 08:47 reads
    // the same in every language.
    const numeric = { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" };
    return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : numberLocale(lang), numeric).format(date);
  } catch {
    return date.toISOString().slice(0, 16).replace("T", " ");
  }
}

function index(value) {
  if (typeof value !== "number") return "—";
  try {
    return new Intl.NumberFormat(numberLocale(lang), { maximumFractionDigits: 1 }).format(value);
  } catch {
    return String(Math.round(value * 10) / 10);
  }
}

function yardName(record) {
  const name = record.yard_id ? t("Yard no. {id}", { id: record.yard_id }) : t("A new yard");
  return record.address ? `${name} · ${record.address}` : name;
}

function sentItem(record, photosLeft, forget) {
  const head = element("p", { class: "mine-head" });
  if (!record.seen) head.append(element("span", { class: "mine-badge", text: t("New") }), " ");
  head.append(element("strong", { text: yardName(record) }));
  const band = record.band || "none";
  const remove = element("button", { type: "button", class: "button", text: t("Remove from this phone") });
  remove.addEventListener("click", () => forget(record));
  return element("li", { class: record.seen ? "mine-item" : "mine-item mine-new", "data-id": record.id }, [
    head,
    element("p", { class: "mine-score" }, [
      element("span", { class: "visually-hidden", text: `${t("Risk index")}: ` }),
      element("span", {}, [
        element("span", { class: "mine-index", text: index(record.risk_index) }),
        element("span", { class: "muted", text: "/100" }),
      ]),
      element("span", { class: `band band-${band}`, text: t(BANDS[record.band] || "Not enough answers") }),
    ]),
    element("p", { class: "small muted", text: t("Sent {date}", { date: when(record.sent_at) }) }),
    photosLeft ? element("p", { class: "small", text: t("Photos still to send: {n}", { n: photosLeft }) }) : "",
    element("div", { class: "button-row" }, [
      element("a", { class: "button button-primary", href: `/result/${encodeURIComponent(record.id)}`, text: t("See the result") }),
      remove,
    ]),
  ]);
}

function waitingItem(entry) {
  const body = entry.body || {};
  const refused = entry.state === "failed";
  return element("li", { class: "mine-item" }, [
    element("p", { class: "mine-head" }, [element("strong", { text: yardName({ yard_id: body.yard_id, address: body.address }) })]),
    element("p", { class: "small muted", text: t("Saved {date}", { date: when(entry.created_at) }) }),
    element("p", {
      class: refused ? "small mine-refused" : "small",
      text: refused
        ? t("Not accepted: {message}", { message: entry.error?.message || "" })
        : t("Will be sent by itself when the connection returns."),
    }),
  ]);
}

function draftItem(draft) {
  const place = draft.place || {};
  return element("li", { class: "mine-item" }, [
    element("p", { class: "mine-head" }, [element("strong", { text: yardName(place) })]),
    element("p", { class: "small muted", text: t("Changed {date}", { date: when(draft.updated_at) }) }),
    element("p", { class: "small", text: t("Questions answered: {n}", { n: Object.keys(draft.answers).length }) }),
    element("div", { class: "button-row" }, [
      element("a", { class: "button", href: "/checklist", text: t("Continue") }),
    ]),
  ]);
}

function fill(name, items) {
  const list = document.querySelector(`[data-list="${name}"]`);
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
  document.querySelector(`[data-empty="${name}"]`).hidden = items.length > 0;
}

async function forgetResult(queue, record) {
  if (!confirm(t("Remove this checklist from the list on this phone? Its result stays on the server, but this phone will no longer have its link."))) return;
  await queue.forgetSent(record.id);
  try {
    const cache = await caches.open(RESULTS_CACHE);
    await cache.delete(new URL(`/result/${record.id}`, location.href).href, { ignoreSearch: true });
  } catch {
    // no Cache API here: nothing was kept
  }
}

async function main() {
  const root = document.getElementById("mine");
  document.getElementById("mine-needs-script").hidden = true;
  let queue, drafts;
  try {
    [queue, drafts] = await Promise.all([import(moduleUrl("jsQueue", "queue.js")), import(moduleUrl("jsDraft", "draft.js"))]);
  } catch (error) {
    console.warn("SafeYard: the scripts could not load", error);
    document.getElementById("mine-needs-script").hidden = false;
    return;
  }
  const forget = (record) => forgetResult(queue, record);

  let drawing = Promise.resolve();
  async function draw() {
    let sent, entries;
    try {
      [sent, entries] = await Promise.all([queue.sentList(), queue.entries()]);
    } catch {
      document.getElementById("mine-no-storage").hidden = false;
      root.hidden = true;
      return;
    }
    const photosLeft = new Map(entries.filter((e) => e.state === "photos").map((e) => [e.id, e.photos.length]));
    fill("sent", sent.map((record) => sentItem(record, photosLeft.get(record.id), forget)));
    fill("waiting", entries.filter((e) => e.state === "waiting" || e.state === "failed").map(waitingItem));
    fill("drafts", drafts.list().map(draftItem));
    root.hidden = false;
    document.documentElement.dataset.mine = "ready"; // for tests: the list is drawn
  }
  const render = () => {
    drawing = drawing.then(draw, draw);
    return drawing;
  };
  queue.onChange(render);
  addEventListener("pageshow", (event) => {
    if (event.persisted) render(); // back from a result: its "new" mark is gone
  });
  await render();
}

main();
