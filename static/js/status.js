// SafeYard queue status: "saved on this phone, N waiting to send", "Sending…", "All sent", a
// checklist sent from the queue that has its result (with the link, until dismissed), or what
// went wrong and what the resident can do about it. Lives in base.html's #queue-status.

import { element, numberLocale } from "./dom.js";

const ALL_SENT_MS = 5000;
const RESULT_PATH = /^\/result\/([0-9a-fA-F-]{36})$/;
const BANDS = {
  low: "Low risk",
  moderate: "Moderate risk",
  high: "High risk",
  critical: "Critical risk",
};

/** "62" / "62,3": the index as the result page writes it (one decimal at most). */
export function formatIndex(value, lang) {
  if (typeof value !== "number") return "—";
  try {
    return new Intl.NumberFormat(numberLocale(lang), { maximumFractionDigits: 1 }).format(value);
  } catch {
    return String(Math.round(value * 10) / 10);
  }
}

/** Keep `box` in step with the queue; `flushNow()` sends what waits, ignoring the back-off. */
export function mount(box, { queue, drafts, t, flushNow }) {
  let sending = false;
  let hadPending = false;
  let allSentTimer = null;
  let rendering = Promise.resolve();

  function render() {
    rendering = rendering.then(draw, draw);
    return rendering;
  }

  async function draw() {
    let state;
    try {
      state = await queue.summary();
    } catch {
      box.hidden = true; // no IndexedDB: nothing can wait here
      return;
    }
    const pending = state.waiting + state.photos;
    const rows = [];
    if (sending && pending) {
      rows.push(element("p", { text: t("Sending…") }));
    } else if (state.waiting) {
      rows.push(element("p", { text: t("Saved on this phone. Waiting to send: {n}", { n: state.waiting }) }));
      if (navigator.onLine) {
        // Online yet waiting: a server that was busy, or a back-off not over yet.
        const send = element("button", { type: "button", class: "button", text: t("Send now") });
        send.addEventListener("click", () => flushNow());
        rows.push(send);
      }
    } else if (state.photos) {
      rows.push(element("p", { text: t("Photos waiting to send: {n}", { n: state.photos }) }));
    }
    for (const failed of state.failed) rows.push(...refusedRow(failed));
    if (state.notices.length) {
      for (const notice of state.notices) {
        rows.push(element("p", { text: t("A photo was not accepted: {message}", { message: notice.message }) }));
      }
      const ok = element("button", { type: "button", class: "button", text: t("OK") });
      ok.addEventListener("click", () => queue.dismissNotices());
      rows.push(ok);
    }
    if (state.scored && state.scored.length) {
      rows.push(...scoredRows(state.scored));
    } else if (!rows.length && hadPending) {
      rows.push(element("p", { text: t("All sent") }));
      clearTimeout(allSentTimer);
      allSentTimer = setTimeout(() => {
        hadPending = false;
        render();
      }, ALL_SENT_MS);
    }
    if (pending) hadPending = true;
    box.classList.toggle("error", state.failed.length > 0 || state.notices.length > 0);
    box.replaceChildren(...rows);
    box.hidden = rows.length === 0;
  }

  // Stays until the resident opens a result or presses OK (never on a timer): the index and
  // the fix list are why they filled the checklist.
  function scoredRows(scored) {
    const lang = document.documentElement.lang || "ru";
    const lines = scored.map((record) => {
      const index = formatIndex(record.risk_index, lang);
      const band = t(BANDS[record.band] || "Not enough answers");
      // A button-looking link: readable on the bar's fixed yellow in the dark theme too.
      const link = element("a", { class: "button", href: `/result/${encodeURIComponent(record.id)}`, text: t("See the result") });
      return element("p", {}, [`${t("Index {index} of 100: {band}", { index, band })}. `, link]);
    });
    const ok = element("button", { type: "button", class: "button", text: t("OK") });
    ok.addEventListener("click", () => queue.dismissScored());
    return [
      element("p", { text: t("Sent and scored: {n}", { n: scored.length }) }),
      ...lines,
      element("div", { class: "button-row" }, [
        element("a", { class: "button", href: "/mine", text: t("My checklists") }),
        ok,
      ]),
    ];
  }

  function refusedRow(failed) {
    const change = element("button", { type: "button", class: "button button-primary", text: t("Change and send again") });
    const remove = element("button", { type: "button", class: "button", text: t("Delete") });
    change.addEventListener("click", async () => {
      const entry = await queue.get(failed.id);
      if (!entry) return render();
      drafts.requestRestore(entry.id, entry.body);
      location.assign("/checklist");
    });
    remove.addEventListener("click", async () => {
      if (confirm(t("Delete this checklist from the phone? Its answers will be lost."))) {
        await queue.remove(failed.id);
      }
    });
    return [
      element("p", { text: t("A checklist was not accepted: {message}", { message: failed.error?.message || "" }) }),
      element("div", { class: "button-row" }, [change, remove]),
    ];
  }

  // This page is a result: it has been seen (the service worker marks it too, when it runs).
  const shown = RESULT_PATH.exec(location.pathname);
  if (shown && queue.markSeen) queue.markSeen(shown[1]).catch(() => {});
  addEventListener("online", render);
  addEventListener("offline", render);
  queue.onChange((message) => {
    if (message && message.type === "sending") sending = message.value;
    render();
  });
  return render();
}
