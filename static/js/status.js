// SafeYard queue status: "saved on this phone, N waiting to send", "Sending…", "All sent", or
// what went wrong and what the resident can do about it. Lives in base.html's #queue-status.

const ALL_SENT_MS = 5000;

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
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
    if (!rows.length && hadPending) {
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

  addEventListener("online", render);
  addEventListener("offline", render);
  queue.onChange((message) => {
    if (message && message.type === "sending") sending = message.value;
    render();
  });
  return render();
}
