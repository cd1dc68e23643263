// SafeYard draft: the checklist being filled, kept in localStorage as the resident goes, so a
// closed tab, a reload or a flat battery loses nothing. One draft per checklist version.

const DRAFT_PREFIX = "safeyard:draft:";
const PLACE_KEY = "safeyard:place"; // a yard or point chosen on the find page, not yet used
const RESTORE_KEY = "safeyard:restore"; // a refused checklist the resident wants to change

function read(key) {
  try {
    const text = localStorage.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch (error) {
    // Storage disabled or full: the page still works, only without the safety net.
    console.warn("SafeYard: could not keep the draft on this device", error);
    return false;
  }
}

function drop(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // nothing to do
  }
}

/** A new random UUID (crypto.randomUUID needs a secure context; this works everywhere). */
export function uuid() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An empty draft with its own UUID: the id the submission will carry, however often sent. */
export function fresh(version) {
  return {
    id: uuid(),
    checklist_version: version,
    answers: {},
    item_comments: {},
    comment: "",
    place: null,
    step: null,
    restored_from: null,
    updated_at: new Date().toISOString(),
  };
}

/** The draft of this checklist version, or a fresh one. */
export function load(version) {
  const stored = read(DRAFT_PREFIX + version);
  if (!stored || typeof stored.id !== "string" || typeof stored.answers !== "object") {
    return fresh(version);
  }
  return { ...fresh(version), ...stored, checklist_version: version };
}

export function save(draft) {
  draft.updated_at = new Date().toISOString();
  return write(DRAFT_PREFIX + draft.checklist_version, draft);
}

export function clear(version) {
  drop(DRAFT_PREFIX + version);
}

/** A place: {yard_id, lat, lon, accuracy_m, address}; missing parts are null. */
export function place({ yard_id = null, lat = null, lon = null, accuracy_m = null, address = null } = {}) {
  const number = (v) => (v === null || v === "" || !Number.isFinite(Number(v)) ? null : Number(v));
  const result = {
    yard_id: number(yard_id),
    lat: number(lat),
    lon: number(lon),
    accuracy_m: number(accuracy_m),
    address: address ? String(address).slice(0, 300) : null,
  };
  if (result.lat === null || result.lon === null) result.lat = result.lon = result.accuracy_m = null;
  return result.yard_id === null && result.lat === null ? null : result;
}

/** Remember where the resident chose to check, for the checklist page to pick up. */
export function choosePlace(chosen) {
  const value = place(chosen);
  if (value) write(PLACE_KEY, { ...value, chosen_at: new Date().toISOString() });
}

/** The place chosen on the find page, once (then it lives in the draft). */
export function takePlace() {
  const value = read(PLACE_KEY);
  drop(PLACE_KEY);
  return value ? place(value) : null;
}

/** Ask the checklist page to reopen a refused submission as a new draft. */
export function requestRestore(entryId, body) {
  write(RESTORE_KEY, { from: entryId, body });
}

export function takeRestore() {
  const value = read(RESTORE_KEY);
  drop(RESTORE_KEY);
  return value && value.body ? value : null;
}

/** Every kept draft with at least one answer, newest first (for the "my checklists" page). */
export function list() {
  const found = [];
  try {
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(DRAFT_PREFIX)) continue;
      const stored = read(key);
      if (stored && stored.answers && typeof stored.answers === "object" && Object.keys(stored.answers).length) {
        found.push(stored);
      }
    }
  } catch {
    // storage disabled: no drafts
  }
  return found.sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
}
