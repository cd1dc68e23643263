// SafeYard offline queue: a filled checklist waits in IndexedDB until the server has it.
// Imported by the pages and by the service worker (a module worker), so it never touches the
// DOM. The submission's UUID makes every retry safe: the server stores it exactly once.

const DB_NAME = "safeyard";
const DB_VERSION = 1;
const QUEUE = "queue";
const PREFS = "prefs";
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

// ---------------------------------------------------------------- storage

let dbPromise = null;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      if (typeof indexedDB === "undefined") {
        reject(new Error("IndexedDB is not available"));
        return;
      }
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(QUEUE)) db.createObjectStore(QUEUE, { keyPath: "id" });
        if (!db.objectStoreNames.contains(PREFS)) db.createObjectStore(PREFS, { keyPath: "key" });
      };
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the app wants to upgrade the database: let it.
        db.onversionchange = () => {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    });
    dbPromise.catch(() => {
      dbPromise = null;
    });
  }
  return dbPromise;
}

// Runs `work(store)`, which must issue its requests at once; resolves when the transaction has
// committed (so a resolved write is on disk), with the result of the request `work` returned.
async function withStore(name, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(name, mode);
    let value;
    transaction.oncomplete = () => resolve(value);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("transaction aborted"));
    const request = work(transaction.objectStore(name));
    if (request) request.onsuccess = () => { value = request.result; };
  });
}

const putEntry = (entry) => withStore(QUEUE, "readwrite", (store) => store.put(entry));
const getEntry = (id) => withStore(QUEUE, "readonly", (store) => store.get(id));
const allEntries = () => withStore(QUEUE, "readonly", (store) => store.getAll());
const deleteEntry = (id) => withStore(QUEUE, "readwrite", (store) => store.delete(id));

/** A small remembered setting (the page language, notices for the resident...). */
export async function getPref(key) {
  const row = await withStore(PREFS, "readonly", (store) => store.get(key));
  return row ? row.value : undefined;
}

export async function setPref(key, value) {
  await withStore(PREFS, "readwrite", (store) => store.put({ key, value }));
}

// ---------------------------------------------------------------- change notices

// Pages show the queue's state; they hear about changes made in other tabs and in the service
// worker through a BroadcastChannel, and about their own through local listeners.
const listeners = new Set();
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("safeyard-queue") : null;
if (channel) channel.onmessage = (event) => notify(event.data);

function notify(message) {
  for (const listener of listeners) {
    try {
      listener(message);
    } catch (error) {
      console.error(error);
    }
  }
}

function emit(message) {
  notify(message);
  if (channel) channel.postMessage(message);
}

/** Calls `listener({type: "changed"|"sending", ...})`; returns a function that stops it. */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

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

// ---------------------------------------------------------------- sent checklists

// "My checklists": each checklist this phone sent, with its index, kept in the prefs store as
// "sent:<id>" (no new object store, so no database upgrade that a tab still open with the
// previous version of this script would be locked out by). The id is the key to the result:
// it stays in this browser and is never sent anywhere but to its own result page.
const SENT_PREFIX = "sent:";
const SENT_KEEP = 100;

function sentRange() {
  return IDBKeyRange.bound(SENT_PREFIX, `${SENT_PREFIX}\uffff`);
}

// Read and write in one transaction, so the page and the service worker never undo each other.
async function updateSent(id, change) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(PREFS, "readwrite");
    const store = transaction.objectStore(PREFS);
    let changed = false;
    transaction.oncomplete = () => resolve(changed);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("transaction aborted"));
    const request = store.get(SENT_PREFIX + id);
    request.onsuccess = () => {
      const value = change(request.result ? request.result.value : undefined);
      if (value) {
        store.put({ key: SENT_PREFIX + id, value });
        changed = true;
      }
    };
  });
}

async function rememberSent(entry, scored, { announce }) {
  const record = {
    id: entry.id,
    yard_id: scored.yard_id ?? entry.body.yard_id ?? null,
    address: entry.body.address || null,
    risk_index: typeof scored.risk_index === "number" ? scored.risk_index : null,
    band: scored.band || null,
    created_at: entry.created_at,
    sent_at: entry.sent_at,
    lang: entry.lang,
    announce,
    seen: false,
  };
  // A replay (the answer of an earlier try was lost) keeps what the resident already saw.
  await updateSent(entry.id, (old) => (old ? null : record));
  await trimSent();
}

async function trimSent() {
  const all = await sentList();
  const old = all.slice(SENT_KEEP);
  if (old.length) {
    await withStore(PREFS, "readwrite", (store) => {
      for (const record of old) store.delete(SENT_PREFIX + record.id);
    });
  }
}

/** The checklists sent from this phone, newest first: {id, yard_id, risk_index, band, ...}. */
export async function sentList() {
  const rows = await withStore(PREFS, "readonly", (store) => store.getAll(sentRange()));
  return (rows || [])
    .map((row) => row.value)
    .sort((a, b) => String(b.sent_at).localeCompare(String(a.sent_at)));
}

/** The result was opened: no longer new, no longer announced. */
export async function markSeen(id) {
  const changed = await updateSent(id, (old) =>
    old && (!old.seen || old.announce) ? { ...old, seen: true, announce: false } : null,
  );
  if (changed) emit({ type: "changed" });
  return changed;
}

/** The resident closed the "scored" message: still new in the list until opened. */
export async function dismissScored() {
  for (const record of await sentList()) {
    if (record.announce) await updateSent(record.id, (old) => (old ? { ...old, announce: false } : null));
  }
  emit({ type: "changed" });
}

/** Forget a sent checklist on this phone (the server keeps it; the link is what is lost). */
export async function forgetSent(id) {
  await withStore(PREFS, "readwrite", (store) => store.delete(SENT_PREFIX + id));
  emit({ type: "changed" });
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
