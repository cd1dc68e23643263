// SafeYard place search: streets, micro-districts and stops by name, served by SafeYard itself
// (/api/v1/places/search, no outside geocoder). Enhances every <form data-place-search>:
// typing lists the matches under the box; choosing one sends a "safeyard:place" event, whose
// detail is the place ({name, kind, lat, lon, bbox: [west, south, east, north] | null}), to
// the element named by data-target (a map; its script centres itself on the place).
// Used by the residents' find page and the inspectors' map. Without this script the form is a
// plain GET search (the find page) or stays hidden (the inspectors' map's form carries hidden).
//
// The form's data-: api (the search URL), target (the map element's id), none and shown (the
// texts "nothing found" and "the map shows {name}", in the page's language), fallback (a page
// to go to with ?lat=&lon=&place= when the target map is not shown).

import { element } from "./dom.js";

const DEBOUNCE_MS = 200;
const MIN_CHARS = 2;
let counter = 0;

export function enhance(form) {
  const input = form.querySelector("input[name=q]");
  if (!input || form.dataset.enhanced) return;
  form.dataset.enhanced = "true";
  form.hidden = false;
  const id = `place-options-${++counter}`;
  const list = element("ul", { id, role: "listbox", class: "place-options", hidden: "" });
  const status = element("p", { class: "field-hint place-status", "aria-live": "polite" });
  input.closest(".field")?.after(list, status) ?? input.after(list, status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", id);

  let places = [];
  let active = -1;
  let timer = null;
  let request = null;

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    places = [];
    active = -1;
  }

  function highlight(index) {
    active = index;
    for (const [i, option] of [...list.children].entries()) {
      option.setAttribute("aria-selected", String(i === index));
    }
    if (index >= 0) input.setAttribute("aria-activedescendant", `${id}-${index}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function choose(place) {
    close();
    input.value = place.name;
    const target = form.dataset.target ? document.getElementById(form.dataset.target) : null;
    if ((!target || target.hidden) && form.dataset.fallback) {
      const query = new URLSearchParams({ lat: String(place.lat), lon: String(place.lon), place: place.name });
      location.assign(`${form.dataset.fallback}?${query}`);
      return;
    }
    status.textContent = (form.dataset.shown || "{name}").replace("{name}", place.name);
    form.dataset.chosen = place.name;
    if (target) {
      target.dispatchEvent(new CustomEvent("safeyard:place", { detail: place, bubbles: true }));
      target.scrollIntoView({ block: "nearest" });
    }
  }

  function show(found) {
    places = found;
    active = -1;
    status.textContent = found.length ? "" : form.dataset.none || "";
    list.replaceChildren(...found.map((place, index) => {
      const option = element("li", { id: `${id}-${index}`, role: "option", "aria-selected": "false", class: "place-option" }, [
        element("span", { lang: place.name_lang, class: "place-name", text: place.name }),
        " ",
        element("span", { class: "small muted", text: `${place.kind_label} · ${place.district}` }),
      ]);
      // mousedown, not click: the box keeps its focus, so the list does not close first.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(place);
      });
      return option;
    }));
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", String(found.length > 0));
  }

  async function lookUp(text) {
    request?.abort();
    request = new AbortController();
    const query = new URLSearchParams({ q: text, lang: document.documentElement.lang || "ru" });
    try {
      const response = await fetch(`${form.dataset.api}?${query}`, {
        headers: { Accept: "application/json" },
        signal: request.signal,
      });
      if (!response.ok) {
        close();
        return;
      }
      if (input.value.trim() === text) show(await response.json());
    } catch (error) {
      // Offline or aborted by the next keystroke: the plain form still works.
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < MIN_CHARS) {
      request?.abort();
      close();
      status.textContent = "";
      return;
    }
    timer = setTimeout(() => lookUp(text), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (list.hidden || places.length === 0) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + places.length) % places.length);
      event.preventDefault();
    } else if (event.key === "Enter") {
      // Enter takes the highlighted match, else the best one; the map moves, no page loads.
      choose(places[Math.max(active, 0)]);
      event.preventDefault();
    } else if (event.key === "Escape") {
      close();
      event.preventDefault();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  // With no page to fall back on (the inspectors' map), a submit is a look-up, not a reload.
  form.addEventListener("submit", (event) => {
    if (form.dataset.fallback) return;
    event.preventDefault();
    const text = input.value.trim();
    if (text.length >= MIN_CHARS) lookUp(text);
  });
}

for (const form of document.querySelectorAll("form[data-place-search]")) enhance(form);
