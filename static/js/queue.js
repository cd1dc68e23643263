// SafeYard offline queue: a filled checklist waits in IndexedDB until the server has it.
// Imported by the pages and by the service worker (a module worker), so it never touches the
// DOM. The submission's UUID makes every retry safe: the server stores it exactly once.

import { rememberSent, sentList } from "./sent.js";
import { allEntries, deleteEntry, emit, getEntry, getPref, putEntry, setPref } from "./store.js";

// What the pages ask of the queue module, wherever it lives.
export { dismissScored, forgetSent, markSeen, sentList } from "./sent.js";
export { getPref, onChange, setPref } from "./store.js";

const SUBMISSIONS_URL = "/api/v1/submissions";
const LOCK = "safeyard-queue";

export const SYNC_TAG = "send-submissions";
export const WAITING = "waiting"; // the checklist is not on the server yet
export const PHOTOS = "photos"; // the checklist is stored; some of its photos are not
export const FAILED = "failed"; // the server refused it (4xx): the resident must decide

// Back-off: 5 s, 15 s, 45 s ... at most 15 minutes; a server's Retry-After is honoured.
const FIRST_DELAY_S = 5;
const DELAY_FACTOR = 3;
const MAX_DELAY_S = 15 * 60;
const MAX_RETRY_AFTER_S = 60 * 60;
const SEND_TIMEOUT_MS = 30_000;
const PHOTO_TIMEOUT_MS = 120_000;
// Photo refusals that a fresh token (the checklist sent again) may cure.
const TOKEN_REFUSALS = ["upload_token_missing", "upload_token_invalid"];

// ---------------------------------------------------------------- the queue

function uuid() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Keep a filled checklist (the JSON body of POST /api/v1/submissions) and its photos
 * ([{item_id, blob, name}]) on the device until the server has them. Resolves once stored.
 */
function csrfToken() {
  if (typeof document === "undefined") return null;
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : null;
}

function withCsrf(headers, entry) {
  const token = entry.csrf || csrfToken();
  return token ? { ...headers, "X-CSRF-Token": token } : headers;
}

export async function enqueue(submission, photos = [], { lang = null } = {}) {
  if (!submission || !submission.id) throw new TypeError("a submission needs its id");
  const entry = {
    id: submission.id,
    body: submission,
    photos: photos.map((photo) => ({
      item_id: photo.item_id,
      blob: photo.blob,
      name: photo.name || (photo.blob && photo.blob.name) || "photo.jpg",
      photo_id: photo.photo_id || uuid(),
    })),
    attempts: 0,
    next_try_at: Date.now(),
    state: WAITING,
    error: null,
    lang,
    // A signed-in inspector's or cooperative's session cookie goes with the request, so the
    // server asks for the page's CSRF token too; the service worker has no page to read it from.
    csrf: csrfToken(),
    created_at: new Date().toISOString(),
  };
  await putEntry(entry);
  emit({ type: "changed" });
  return entry;
}

/** Every entry, oldest first. */
export async function entries() {
  const all = await allEntries();
  return all.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
}

/** What the resident is told: counts, the refused checklists and notices about photos. */
export async function summary() {
  const all = await entries();
  const pending = all.filter((e) => e.state !== FAILED);
  return {
    waiting: all.filter((e) => e.state === WAITING).length,
    photos: all.filter((e) => e.state === PHOTOS).reduce((n, e) => n + e.photos.length, 0),
    failed: all
      .filter((e) => e.state === FAILED)
      .map((e) => ({ id: e.id, error: e.error, created_at: e.created_at })),
    notices: (await getPref("notices")) || [],
    // Sent from the queue, scored, and neither opened nor dismissed yet: the bar names them.
    scored: (await sentList()).filter((r) => r.announce && !r.seen),
    next_try_at: pending.length ? Math.min(...pending.map((e) => e.next_try_at)) : null,
  };
}

/** An entry by id (undefined when it has been sent). */
export function get(id) {
  return getEntry(id);
}

/** Remove an entry: only ever on the resident's explicit wish, or once it has been sent. */
export async function remove(id) {
  await deleteEntry(id);
  emit({ type: "changed" });
}

export async function dismissNotices() {
  await setPref("notices", []);
  emit({ type: "changed" });
}

/**
 * Send every entry that is due (all that are not refused when `force`): the checklist, then
 * its photos. Skips the work when another tab or the service worker is already sending.
 * Resolves to {sent, failed, retry, busy}.
 */
export async function flush({ force = false } = {}) {
  return withLock({ wait: false }, async () => {
    const result = { sent: 0, failed: 0, retry: 0, busy: false };
    let sending = false;
    try {
      for (const entry of await entries()) {
        if (entry.state === FAILED) continue;
        if (!force && entry.next_try_at > Date.now()) {
          result.retry += 1;
          continue;
        }
        if (!sending) {
          sending = true;
          emit({ type: "sending", value: true });
        }
        const outcome = await send(entry, { notices: true });
        if (outcome.result === "failed") result.failed += 1;
        else if (outcome.result === "retry" || outcome.photosPending) result.retry += 1;
        else result.sent += 1;
        // No network at all: the others would fail the same way; the next trigger resumes.
        if (outcome.offline) {
          result.retry += (await entries()).filter((e) => e.state !== FAILED && e.id !== entry.id).length;
          break;
        }
      }
    } finally {
      if (sending) emit({ type: "sending", value: false });
    }
    if (result.retry > 0 && !inServiceWorker()) requestBackgroundSync();
    return result;
  });
}

/**
 * Send one entry now, whatever its back-off (right after the resident pressed Send).
 * Resolves to {result: "sent"|"retry"|"failed", photosPending, refused, error}; `refused` lists
 * the photos the server would not take ({item_id, code, message}) for the page to show.
 */
export async function sendNow(id) {
  return withLock({ wait: true }, async () => {
    const entry = await getEntry(id);
    if (!entry) return { result: "sent", photosPending: 0, refused: [] }; // sent by another tab
    if (entry.state === FAILED) return { result: "failed", error: entry.error };
    emit({ type: "sending", value: true });
    try {
      return await send(entry, { notices: false });
    } finally {
      emit({ type: "sending", value: false });
    }
  });
}

// The checklist goes first; its answer carries the photo_upload_token, kept in IndexedDB with
// the waiting photos (so a browser restart between the two loses nothing), and each photo is
// sent with it. An entry whose token is missing (queued by an older version, or an answer that
// could not be read) sends its checklist again: the server's replay answers with the same token.
async function send(entry, { notices }) {
  const refused = [];
  if (entry.state === WAITING || (entry.photos.length && !entry.upload_token)) {
    const stop = await sendSubmission(entry, { notices, refused });
    if (stop) return stop;
  }
  while (entry.photos.length) {
    const photo = entry.photos[0];
    let response;
    try {
      response = await sendPhoto(entry, photo);
    } catch {
      const retry = await retryLater(entry, null);
      return { ...retry, result: "sent", photosPending: entry.photos.length, refused };
    }
    if (!response.ok && isRetryable(response.status)) {
      await retryLater(entry, response);
      return { result: "sent", photosPending: entry.photos.length, refused };
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (TOKEN_REFUSALS.includes(error.code) && !entry.token_renewed) {
        // A token the server does not take (its key changed?): ask for it once more.
        Object.assign(entry, { upload_token: null, token_renewed: true });
        const stop = await sendSubmission(entry, { notices, refused });
        if (stop) return stop;
        continue;
      }
      // A refused photo is reported but never holds the checklist back.
      const refusal = { item_id: photo.item_id, name: photo.name, status: response.status, ...error };
      refused.push(refusal);
      if (notices) await addNotice({ kind: "photo-refused", submission_id: entry.id, ...refusal });
    }
    entry.photos.shift();
    await putEntry(entry);
  }
  await deleteEntry(entry.id);
  emit({ type: "changed", sent: entry.id });
  return { result: "sent", photosPending: 0, refused };
}

// POST the checklist (again, for a token). Resolves to undefined when stored, else to what
// send() returns.
async function sendSubmission(entry, { notices, refused }) {
  const stored = entry.state !== WAITING;
  const query = entry.lang ? `?lang=${encodeURIComponent(entry.lang)}` : "";
  let response;
  try {
    response = await request(`${SUBMISSIONS_URL}${query}`, {
      method: "POST",
      headers: withCsrf({ "Content-Type": "application/json", Accept: "application/json" }, entry),
      body: JSON.stringify(entry.body),
    }, SEND_TIMEOUT_MS);
  } catch {
    const retry = await retryLater(entry, null);
    return stored ? { ...retry, result: "sent", photosPending: entry.photos.length, refused } : retry;
  }
  if (response.ok) {
    // 201 stored now, 200 stored by an earlier try: either way the server has it.
    let token = null;
    let scored = null;
    try {
      scored = await response.json();
      token = scored.photo_upload_token || null;
    } catch {
      // unreadable: the next try asks again
    }
    Object.assign(entry, { state: PHOTOS, attempts: 0, next_try_at: Date.now(), error: null, upload_token: token });
    entry.sent_at = entry.sent_at || new Date().toISOString();
    await putEntry(entry);
    // Sent from the queue (notices): the resident is not looking at the result, so say so.
    if (scored) await rememberSent(entry, scored, { announce: notices });
    emit({ type: "changed", scored: scored ? entry.id : undefined });
    if (!token && entry.photos.length) {
      await retryLater(entry, null);
      return { result: "sent", photosPending: entry.photos.length, refused };
    }
    return undefined;
  }
  if (isRetryable(response.status)) {
    const retry = await retryLater(entry, response);
    return stored ? { ...retry, result: "sent", photosPending: entry.photos.length, refused } : retry;
  }
  const error = { status: response.status, ...(await errorOf(response)) };
  if (stored) {
    // The checklist is on the server but its photos cannot follow: say so, keep nothing.
    for (const photo of entry.photos) {
      const refusal = { item_id: photo.item_id, name: photo.name, ...error };
      refused.push(refusal);
      if (notices) await addNotice({ kind: "photo-refused", submission_id: entry.id, ...refusal });
    }
    await deleteEntry(entry.id);
    emit({ type: "changed", sent: entry.id });
    return { result: "sent", photosPending: 0, refused };
  }
  entry.state = FAILED;
  entry.error = error;
  await putEntry(entry);
  emit({ type: "changed" });
  return { result: "failed", error: entry.error };
}

function sendPhoto(entry, photo) {
  const submissionId = entry.id;
  const form = new FormData();
  form.append("item_id", photo.item_id);
  form.append("file", photo.blob, photo.name);
  const headers = { "Idempotency-Key": photo.photo_id, "X-Upload-Token": entry.upload_token, Accept: "application/json" };
  return request(`${SUBMISSIONS_URL}/${encodeURIComponent(submissionId)}/photos`, {
    method: "POST",
    headers: withCsrf(headers, entry),
    body: form,
  }, PHOTO_TIMEOUT_MS);
}

async function retryLater(entry, response) {
  entry.attempts += 1;
  const retryAfter = response ? parseRetryAfter(response.headers.get("Retry-After")) : null;
  entry.next_try_at = Date.now() + backoffDelay(entry.attempts, retryAfter) * 1000;
  entry.error = response ? { status: response.status, ...(await errorOf(response)) } : null;
  await putEntry(entry);
  emit({ type: "changed" });
  return { result: "retry", offline: !response, error: entry.error };
}

async function addNotice(notice) {
  const notices = (await getPref("notices")) || [];
  notices.push({ ...notice, at: new Date().toISOString() });
  await setPref("notices", notices.slice(-20));
}

// ---------------------------------------------------------------- helpers

/** Seconds to wait before try number `attempts` + 1: 5, 15, 45 ... at most 900, ±10 %. */
export function backoffDelay(attempts, retryAfterSeconds = null, random = Math.random) {
  const base = Math.min(FIRST_DELAY_S * DELAY_FACTOR ** Math.max(0, attempts - 1), MAX_DELAY_S);
  const jittered = base * (0.9 + 0.2 * random());
  if (retryAfterSeconds == null) return jittered;
  return Math.max(Math.min(retryAfterSeconds, MAX_RETRY_AFTER_S), jittered);
}

/** Retry-After as seconds: "120" or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, (when - now) / 1000);
}

/** Worth trying again later: timeouts, too many requests, the server's own troubles. */
export function isRetryable(status) {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** {message, code} from an error answer: the API's JSON ({error, message, details}) or text. */
async function errorOf(response) {
  let text = "";
  try {
    text = await response.text();
    const body = JSON.parse(text);
    const details = Array.isArray(body.details)
      ? body.details.filter((d) => d && d.message).map((d) => (d.field ? `${d.field}: ${d.message}` : d.message))
      : [];
    const message = body.message || (typeof body.detail === "string" ? body.detail : "");
    const code = typeof body.error === "string" ? body.error : null;
    if (message) return { code, message: details.length ? `${message} (${details.join("; ")})` : message };
  } catch {
    // not JSON: the text itself
  }
  return { code: null, message: text.trim().slice(0, 300) || `HTTP ${response.status}` };
}

async function request(url, options, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { ...options, credentials: "same-origin", signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

// One sender at a time across tabs and the service worker (Web Locks); where the browser
// lacks them, one at a time in this context (the server's idempotency covers the rest).
let localLock = Promise.resolve();
let localBusy = false;

function withLock({ wait }, work) {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request(LOCK, { ifAvailable: !wait }, (lock) =>
      lock ? work() : { sent: 0, failed: 0, retry: 0, busy: true },
    );
  }
  if (!wait && localBusy) return Promise.resolve({ sent: 0, failed: 0, retry: 0, busy: true });
  const run = localLock.then(async () => {
    localBusy = true;
    try {
      return await work();
    } finally {
      localBusy = false;
    }
  });
  localLock = run.catch(() => {});
  return run;
}

function inServiceWorker() {
  return typeof ServiceWorkerGlobalScope !== "undefined" && self instanceof ServiceWorkerGlobalScope;
}

/** Ask the browser to wake the service worker when the connection returns (where it can). */
export async function requestBackgroundSync() {
  try {
    const registration = inServiceWorker()
      ? self.registration
      : await navigator.serviceWorker?.getRegistration();
    if (!registration || !registration.sync) return false;
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch {
    return false;
  }
}

/** Ask the browser not to evict the queue when the phone runs short of space. */
export function persistStorage() {
  if (typeof navigator !== "undefined" && navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(() => {});
  }
}
