// SafeYard checklist: the draft kept on the device as the resident goes, and sending through the
// offline queue; one section per screen (checklist-steps.js) and the hurried resident's helps
// (checklist-review.js) are wired in here. Without this script the form is one long page that
// posts normally; nothing here is needed for that.

import { allFine, pageStrings, photoButtons, timeLeft } from "./checklist-review.js";
import { stepThrough } from "./checklist-steps.js";
import { element } from "./dom.js";

const ITEM_COMMENT_MAX = 500;
const COMMENT_MAX = 2000;
const SAVE_DELAY_MS = 300;

/**
 * Enhance the checklist form. `queue` and `drafts` are the queue.js and draft.js modules,
 * `t(msgid, vars)` the page's interface strings, `locate()` a promise of a GeolocationPosition
 * and `locationProblem(error)` the msgid explaining why there is none.
 */
export function enhance(form, { queue, drafts, t, locate, locationProblem }) {
  const sections = Array.from(form.querySelectorAll("fieldset.section"));
  const version = form.dataset.checklistVersion || form.elements.checklist_version?.value;
  if (!sections.length || !version) return null;
  const lang = form.dataset.lang || document.documentElement.lang || null;
  const ts = pageStrings(t);
  const submitButton = form.querySelector('button[type="submit"], input[type="submit"], button:not([type])');

  let busy = false;
  let done = false; // sent or queued: the draft is gone and must not come back

  // ------------------------------------------------------------ the draft
  let draft = drafts.load(version);
  const restore = drafts.takeRestore();
  if (restore) draft = fromRefused(drafts, version, restore);

  const input = (name) => form.elements.namedItem(name);
  const setValue = (name, value) => {
    const field = input(name);
    if (field && "value" in field) field.value = value ?? "";
  };
  const placeFromInputs = () => drafts.place({
    yard_id: input("yard_id")?.value,
    lat: input("lat")?.value,
    lon: input("lon")?.value,
    accuracy_m: input("accuracy_m")?.value,
    address: input("address")?.value,
  });
  // Where: the server's (from the URL), else the URL's (a page served from the phone has empty
  // fields), else a place chosen on the find page, else the draft's.
  const params = new URLSearchParams(location.search);
  const pending = drafts.takePlace();
  const fromServer = placeFromInputs();
  draft.place = fromServer
    || drafts.place(Object.fromEntries(["yard_id", "lat", "lon", "accuracy_m", "address"].map((k) => [k, params.get(k)])))
    || pending
    || draft.place;
  applyPlace(draft.place);
  if (draft.place && !fromServer) showPlace(draft.place);
  setValue("id", draft.id);

  for (const field of form.elements) {
    if (field.tagName === "TEXTAREA" && field.name.startsWith("comment.") && field.maxLength < 0) {
      field.maxLength = ITEM_COMMENT_MAX;
    }
  }
  const general = input("comment");
  if (general && general.maxLength < 0) general.maxLength = COMMENT_MAX;
  writeForm(draft);
  readForm();
  drafts.save(draft);

  function applyPlace(place) {
    setValue("yard_id", place?.yard_id);
    setValue("lat", place?.lat);
    setValue("lon", place?.lon);
    setValue("accuracy_m", place?.accuracy_m);
    if (place?.address) setValue("address", place.address);
  }

  // The server did not know the place (the page came from the phone, or the place from the
  // draft): say which one the answers are for; the server finds its district on sending.
  function showPlace(place) {
    const summary = document.getElementById("place-summary");
    if (!summary) return;
    const where = place.yard_id
      ? t("Yard no. {id}", { id: place.yard_id })
      : `${place.lat.toFixed(5)}, ${place.lon.toFixed(5)}${place.accuracy_m !== null ? ` (±${ts("{m} m", { m: Math.round(place.accuracy_m) }).replace(" ", "\u00a0")})` : ""}`;
    summary.replaceChildren(
      element("p", { class: "place-title" }, [element("strong", { text: place.address || where })]),
      ...(place.address ? [element("p", { class: "code", text: where })] : []),
      element("p", { class: "field-hint", text: t("The district is found when the answers are sent.") }),
    );
    summary.hidden = false;
    const noYard = document.getElementById("no-yard");
    if (noYard) noYard.hidden = true;
    // A yard is chosen now: the button offers to change it, not to find one.
    const change = document.getElementById("change-yard");
    if (change) change.textContent = ts("Change the yard");
  }

  // The page's own answers (a browser restoring the form) win over the stored draft's.
  function writeForm(source) {
    const answered = new Set();
    for (const field of form.elements) {
      if (field.type === "radio" && field.name.startsWith("answer.") && field.checked) {
        answered.add(field.name.slice(7));
      }
    }
    for (const field of form.elements) {
      const name = field.name || "";
      if (field.type === "radio" && name.startsWith("answer.")) {
        const item = name.slice(7);
        if (!answered.has(item) && source.answers[item] === field.value) field.checked = true;
      } else if (field.tagName === "TEXTAREA" && name.startsWith("comment.") && !field.value) {
        field.value = source.item_comments[name.slice(8)] || "";
      } else if (field === general && !field.value) {
        field.value = source.comment || "";
      }
    }
  }

  function readForm() {
    const answers = {};
    const comments = {};
    for (const field of form.elements) {
      const name = field.name || "";
      if (field.type === "radio" && name.startsWith("answer.") && field.checked) {
        answers[name.slice(7)] = field.value;
      } else if (name.startsWith("comment.") && field.value.trim()) {
        comments[name.slice(8)] = field.value;
      }
    }
    draft.answers = answers;
    draft.item_comments = comments;
    draft.comment = general ? general.value : "";
    draft.place = placeFromInputs();
  }

  let saveTimer = null;
  const saveSoon = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, SAVE_DELAY_MS);
  };
  function saveNow() {
    clearTimeout(saveTimer);
    if (done) return;
    readForm();
    drafts.save(draft);
  }
  form.addEventListener("input", saveSoon);
  form.addEventListener("change", saveSoon);
  addEventListener("pagehide", saveNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveNow();
  });

  // ------------------------------------------------------------ one section per screen
  let steps = null;
  allFine(form, sections, {
    ts,
    draft,
    changed: () => { steps.updateTimeLeft(); saveNow(); },
  });
  photoButtons(form, ts);
  steps = stepThrough(form, sections, {
    t,
    draft,
    saveNow,
    timeLeft: () => timeLeft(form, ts),
    isDone: () => done,
  });
  const { show, tail } = steps;
  const showErrors = steps.errors.show;
  const hideErrors = steps.errors.hide;

  // ------------------------------------------------------------ sending
  function buildBody() {
    readForm();
    const body = {
      id: draft.id,
      checklist_version: version,
      answers: { ...draft.answers },
      item_comments: Object.fromEntries(
        Object.entries(draft.item_comments)
          .map(([item, text]) => [item, text.trim().slice(0, ITEM_COMMENT_MAX)])
          .filter(([, text]) => text),
      ),
      client_created_at: new Date().toISOString(),
    };
    const comment = (draft.comment || "").trim().slice(0, COMMENT_MAX);
    if (comment) body.comment = comment;
    const place = placeFromInputs();
    if (place?.yard_id) body.yard_id = place.yard_id;
    if (place?.lat !== null && place?.lat !== undefined) {
      body.location = { lat: place.lat, lon: place.lon };
      if (place.accuracy_m !== null && place.accuracy_m <= 100_000) {
        body.location.accuracy_m = place.accuracy_m;
      }
    }
    const address = (input("address")?.value || place?.address || "").trim();
    if (address) body.address = address.slice(0, 300);
    return body;
  }

  function collectPhotos() {
    const photos = [];
    for (const field of form.elements) {
      if (field.type === "file" && field.name.startsWith("photo.")) {
        for (const file of field.files || []) {
          photos.push({ item_id: field.name.slice(6), blob: file, name: file.name });
        }
      }
    }
    return photos;
  }

  const idleLabel = submitButton ? submitButton.textContent || submitButton.value : "";
  function setBusy(value) {
    busy = value;
    if (!submitButton) return;
    submitButton.disabled = value;
    submitButton.setAttribute("aria-busy", String(value));
    if (submitButton.tagName === "BUTTON") submitButton.textContent = value ? t("Sending…") : idleLabel;
  }

  function askForPlace() {
    const useLocation = element("button", { type: "button", class: "button button-primary", text: t("Use my current location") });
    const onMap = element("a", { class: "button", href: "/yard/find", text: t("Choose the yard on the map") });
    const status = element("p", { class: "field-hint", "aria-live": "polite" });
    useLocation.addEventListener("click", async () => {
      useLocation.disabled = true;
      status.textContent = t("Finding your location…");
      try {
        const position = await locate();
        draft.place = drafts.place({
          lat: position.coords.latitude,
          lon: position.coords.longitude,
          accuracy_m: Math.round(position.coords.accuracy),
        });
        applyPlace(draft.place);
        showPlace(draft.place);
        saveNow();
        hideErrors();
        form.requestSubmit(submitButton || undefined);
      } catch (error) {
        status.textContent = t(locationProblem(error));
        useLocation.disabled = false;
      }
    });
    showErrors(
      element("p", { text: t("Where is the yard? Use your location or choose the yard on the map, then send again.") }),
      element("div", { class: "button-row" }, [useLocation, onMap]),
      status,
    );
  }

  function showSaved(offline) {
    const heading = element("h2", { tabindex: "-1", text: t("Saved on this phone") });
    const card = element("section", { class: "card", id: "queued", "aria-labelledby": "saved-heading" }, [
      heading,
      element("p", {
        class: "lead",
        // No answer at all: no connection; an answer asking to retry (503, 429): a busy server.
        text: offline
          ? t("There is no connection right now. Your answers are safe on this phone and will be sent by themselves when the connection returns. You can close this page.")
          : t("The server is busy right now. Your answers are safe on this phone and will be sent by themselves in a few minutes. You can close this page."),
      }),
      element("div", { class: "button-row" }, [
        element("a", { class: "button button-primary", href: "/", text: t("Back to the start") }),
        element("a", { class: "button", href: "/yard/find", text: t("Check another yard") }),
      ]),
    ]);
    heading.id = "saved-heading";
    form.hidden = true;
    form.before(card);
    scrollTo(0, 0);
    heading.focus({ preventScroll: true });
  }

  function postTheOldWay() {
    done = true;
    HTMLFormElement.prototype.submit.call(form);
  }

  form.addEventListener("submit", async (event) => {
    // Enter in a field mid-way means "next", not "send half a checklist".
    if (!steps.isLast && !(event.submitter && tail.some((node) => node.contains(event.submitter)))) {
      event.preventDefault();
      show(steps.current + 1);
      return;
    }
    event.preventDefault();
    if (busy || done) return;
    const body = buildBody();
    if (!Object.keys(body.answers).length) {
      showErrors(element("p", { text: t("Answer at least one question before sending.") }));
      return;
    }
    if (!body.yard_id && !body.location) {
      askForPlace();
      return;
    }
    hideErrors();
    setBusy(true);
    const photos = collectPhotos();
    const refused = draft.restored_from ? await queue.get(draft.restored_from).catch(() => null) : null;
    if (refused) {
      const withNew = new Set(photos.map((p) => p.item_id));
      for (const photo of refused.photos) {
        if (!withNew.has(photo.item_id)) photos.push({ item_id: photo.item_id, blob: photo.blob, name: photo.name });
      }
    }
    try {
      await queue.enqueue(body, photos, { lang });
    } catch (error) {
      // No IndexedDB here (a private window, storage off): the server takes the plain form.
      console.warn("SafeYard: the offline queue is not available", error);
      postTheOldWay();
      return;
    }
    queue.persistStorage();
    if (refused) await queue.remove(refused.id).catch(() => {});
    let outcome;
    try {
      outcome = await queue.sendNow(body.id);
    } catch {
      outcome = { result: "retry" };
    }
    if (outcome.result === "sent") {
      done = true;
      drafts.clear(version);
      location.assign(resultUrl(body.id, outcome.refused || []));
      return;
    }
    if (outcome.result === "retry") {
      // Safe in the queue now: the draft has done its work.
      done = true;
      drafts.clear(version);
      queue.requestBackgroundSync();
      setBusy(false);
      showSaved(outcome.offline);
      return;
    }
    // Refused: the resident is here to fix it, and the draft still holds every answer.
    await queue.remove(body.id).catch(() => {});
    if (outcome.error?.status === 409) {
      draft.id = drafts.uuid();
      setValue("id", draft.id);
    }
    draft.restored_from = null;
    saveNow();
    setBusy(false);
    showErrors(element("p", {
      text: t("The server did not accept the checklist: {message}", { message: outcome.error?.message || "" }),
    }));
  });

  form.dataset.enhanced = "true";
  return { show, get current() { return steps.current; }, draft: () => draft };
}

const PHOTO_REASONS = ["too_large", "not_an_image", "unsupported_type", "too_many_pixels"];

/** The result page, told which photos were refused (as the form without JavaScript does). */
function resultUrl(id, refused) {
  const url = `/result/${encodeURIComponent(id)}`;
  if (!refused.length) return url;
  const reasons = refused.map((r) => `${r.item_id}:${PHOTO_REASONS.includes(r.code) ? r.code : "not_saved"}`);
  return `${url}?${new URLSearchParams({ photo_refused: reasons.join(",") })}`;
}

/** A refused submission reopened as a new draft (new id; its photos follow on sending). */
function fromRefused(drafts, version, { from, body }) {
  const draft = drafts.fresh(version);
  draft.answers = { ...(body.answers || {}) };
  draft.item_comments = { ...(body.item_comments || {}) };
  draft.comment = body.comment || "";
  draft.place = drafts.place({
    yard_id: body.yard_id,
    lat: body.location?.lat,
    lon: body.location?.lon,
    accuracy_m: body.location?.accuracy_m,
    address: body.address,
  });
  draft.restored_from = from;
  return draft;
}
