// SafeYard checklist, one section per screen: the progress line and bar, Back and Next, the
// section in the URL's hash (the browser's Back returns to the previous section) and the box
// that shows what stops the sending. checklist.js wires it in; without JavaScript the form is
// one long page.

import { element } from "./dom.js";

/** Elements that come before `first` inside `form` (the yard and the intro). */
function precedingInForm(form, first) {
  const head = [];
  for (let node = first; node && node !== form; node = node.parentElement) {
    for (let prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) head.push(prev);
  }
  return head;
}

/** Elements that follow `last` inside `form` (the general comment and the submit button). */
function followingInForm(form, last) {
  const tail = [];
  for (let node = last; node && node !== form; node = node.parentElement) {
    for (let next = node.nextElementSibling; next; next = next.nextElementSibling) tail.push(next);
  }
  return tail;
}

/**
 * Show `sections` of `form` one at a time. `draft.step` follows the section shown, `saveNow()`
 * keeps the draft when the resident moves on, `timeLeft()` is the "time left" line's text and
 * `isDone()` tells when the checklist has gone (the browser's Back no longer moves).
 * Returns `{ show, current, isLast, tail, errors }`: `errors.show(...children)` puts a
 * message above the section and focuses it, `errors.hide()` clears it.
 */
export function stepThrough(form, sections, { t, draft, saveNow, timeLeft, isDone }) {
  const errorBox = element("div", { class: "form-errors", role: "alert", tabindex: "-1", hidden: "" });
  const errors = {
    show(...children) {
      errorBox.replaceChildren(...children);
      errorBox.hidden = false;
      scrollTo(0, 0);
      errorBox.focus({ preventScroll: true });
    },
    hide() {
      errorBox.hidden = true;
      errorBox.replaceChildren();
    },
  };
  const progressText = element("p", { class: "progress-text", id: "checklist-progress-text" });
  const progressFill = element("span");
  const progressBar = element("div", {
    class: "progress-bar",
    role: "progressbar",
    "aria-labelledby": "checklist-progress-text",
    "aria-valuemin": "1",
    "aria-valuemax": String(sections.length),
  }, [progressFill]);
  const remaining = element("p", { class: "time-left", id: "checklist-time-left" });
  const progress = element("div", { class: "progress" }, [progressText, remaining, progressBar]);
  const updateTimeLeft = () => { remaining.textContent = timeLeft(); };
  const back = element("button", { type: "button", class: "button", "data-action": "back", text: t("Back") });
  const next = element("button", { type: "button", class: "button button-primary", "data-action": "next", text: t("Next") });
  const nav = element("div", { class: "button-row checklist-nav" }, [back, next]);
  // What comes before the sections (the yard, the intro) shows on the first screen only; what
  // comes after (the general comment, Send) on the last.
  const head = precedingInForm(form, sections[0]).filter((node) => !(node instanceof HTMLInputElement));
  const tail = followingInForm(form, sections[sections.length - 1]);
  sections[0].before(errorBox, progress);

  let current = 0;
  function show(index, { focus = true, push = true } = {}) {
    current = Math.max(0, Math.min(index, sections.length - 1));
    const last = current === sections.length - 1;
    sections.forEach((section, i) => { section.hidden = i !== current; });
    head.forEach((node) => { node.hidden = current !== 0; });
    tail.forEach((node) => { node.hidden = !last; });
    sections[current].append(nav);
    back.hidden = current === 0;
    next.hidden = last;
    const step = current + 1;
    progressText.textContent = t("Section {current} of {total}", { current: step, total: sections.length });
    progressBar.setAttribute("aria-valuenow", String(step));
    progressFill.style.width = `${(100 * step) / sections.length}%`;
    draft.step = sections[current].dataset.section || null;
    if (push && sections[current].id && location.hash !== `#${sections[current].id}`) {
      history.pushState({ section: sections[current].id }, "", `#${sections[current].id}`);
    }
    updateTimeLeft();
    if (focus) {
      errors.hide();
      // The top of the new section, the header scrolled away (on the first screen: the top).
      if (current === 0) scrollTo(0, 0);
      else progress.scrollIntoView({ block: "start" });
      const heading = sections[current].querySelector("legend, h2, h3") || sections[current];
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
      saveNow();
    }
  }

  form.addEventListener("change", updateTimeLeft);
  const indexOf = (hash) => sections.findIndex((s) => s.id && `#${s.id}` === hash);
  const stepIndex = sections.findIndex((s) => s.dataset.section === draft.step);
  show(indexOf(location.hash) >= 0 ? indexOf(location.hash) : Math.max(stepIndex, 0), {
    focus: false,
    push: false,
  });
  back.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  addEventListener("popstate", () => {
    const index = indexOf(location.hash);
    if (index >= 0 && index !== current && !isDone()) show(index, { push: false });
  });
  // A link to a question (#q-ITEM) shows its section first.
  addEventListener("hashchange", () => {
    const target = location.hash && document.getElementById(location.hash.slice(1));
    const index = target ? sections.findIndex((s) => s.contains(target)) : -1;
    if (index >= 0 && index !== current) show(index, { focus: false, push: false });
  });

  return {
    show,
    updateTimeLeft,
    tail,
    errors,
    get current() { return current; },
    get isLast() { return current === sections.length - 1; },
  };
}
