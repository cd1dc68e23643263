// SafeYard's storage on the phone: the IndexedDB database of the offline queue (queue.js) and
// the checklists sent from this phone (sent.js), and the notices of its changes to the pages.
// Imported by relative URL by those modules (pages and the service worker alike).

const DB_NAME = "safeyard";
const DB_VERSION = 1;
export const QUEUE = "queue";
export const PREFS = "prefs";

let dbPromise = null;

export function openDb() {
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
export async function withStore(name, mode, work) {
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

export const putEntry = (entry) => withStore(QUEUE, "readwrite", (store) => store.put(entry));
export const getEntry = (id) => withStore(QUEUE, "readonly", (store) => store.get(id));
export const allEntries = () => withStore(QUEUE, "readonly", (store) => store.getAll());
export const deleteEntry = (id) => withStore(QUEUE, "readwrite", (store) => store.delete(id));

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

export function emit(message) {
  notify(message);
  if (channel) channel.postMessage(message);
}

/** Calls `listener({type: "changed"|"sending", ...})`; returns a function that stops it. */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
