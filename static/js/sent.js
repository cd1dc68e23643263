// SafeYard "my checklists": the checklists this phone sent, with their index (templates/pages/
// mine.html lists them; queue.js remembers each one it stores). Imported by queue.js.

import { PREFS, emit, openDb, withStore } from "./store.js";

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

export async function rememberSent(entry, scored, { announce }) {
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
