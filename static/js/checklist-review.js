// SafeYard checklist, for a hurried resident: "All fine here" per section, the time left, and a
// photo button in the page's language. checklist.js wires these in; without JavaScript none of
// this shows and the plain form works as before.
//
// "All fine here" only proposes answers: it fills the lowest-risk option (data-safe, set by the
// server: never "does not apply", never an unscored question) of the questions not answered yet,
// marks each as filled by the shortcut until the resident taps it, and can be undone.

import { element } from "./dom.js";

// Reading a question and tapping an answer takes a resident about this long (measured with
// tests/browser/test_checklist_length.py; docs/perf-checklist-length.md).
export const SECONDS_PER_QUESTION = 6;
const MARK = "prefilled";

/** The checklist page's own strings (<template id="checklist-strings">), else the shared `t`. */
export function pageStrings(t) {
  const table = new Map();
  const template = document.getElementById("checklist-strings");
  for (const node of template ? template.content.querySelectorAll("[data-msgid]") : []) {
    table.set(node.dataset.msgid, node.textContent);
  }
  return (msgid, variables = {}) => {
    if (!table.has(msgid)) return t(msgid, variables);
    return table.get(msgid).replace(/\{(\w+)\}/g, (match, name) => (name in variables ? String(variables[name]) : match));
  };
}

const questionsOf = (root) => Array.from(root.querySelectorAll("fieldset.question"));
const answered = (question) => Boolean(question.querySelector('input[type="radio"]:checked'));

/**
 * Add "All fine here" to every section that has a question it may fill. `draft.prefilled` (item
 * ids) keeps the marks across a reload; `changed()` is called after the shortcut fills or undoes.
 */
export function allFine(form, sections, { ts, draft, changed }) {
  const prefilled = new Set(Array.isArray(draft.prefilled) ? draft.prefilled : []);
  const remember = () => { draft.prefilled = Array.from(prefilled); };

  function mark(question, on) {
    const item = question.dataset.item;
    question.classList.toggle(MARK, on);
    // A short word inside the proposed answer itself: marked without making the page longer.
    question.querySelector(".prefill-tag")?.remove();
    const option = question.querySelector('input[type="radio"]:checked')?.closest(".option");
    if (on && option) option.append(element("span", { class: "prefill-tag", text: ts("proposed") }));
    if (on) prefilled.add(item);
    else prefilled.delete(item);
    remember();
  }

  // Marks kept from before a reload, where the answer is still the one the shortcut gave.
  for (const question of questionsOf(form)) {
    if (!prefilled.has(question.dataset.item)) continue;
    const safe = question.querySelector('input[type="radio"][data-safe]');
    mark(question, Boolean(safe && safe.checked));
  }

  // A tap on any answer of a marked question (the same one included) makes it the resident's.
  form.addEventListener("click", (event) => {
    const radio = event.target.closest?.('input[type="radio"]');
    const question = radio?.closest("fieldset.question");
    if (question?.classList.contains(MARK)) mark(question, false);
  });
  form.addEventListener("change", (event) => {
    const question = event.target.closest?.("fieldset.question");
    if (question?.classList.contains(MARK)) mark(question, false);
  });

  for (const section of sections) {
    const fillable = questionsOf(section).filter((q) => q.querySelector("input[data-safe]"));
    if (!fillable.length) continue;
    const button = element("button", { type: "button", class: "button all-fine-button", "data-action": "all-fine", text: ts("All fine here") });
    const hintId = `${section.id}-all-fine-hint`;
    button.setAttribute("aria-describedby", hintId);
    const hint = element("p", { class: "field-hint", id: hintId, text: ts("Fills the safest answer to each question not answered yet. Check each one and change what is not so.") });
    const status = element("p", { class: "all-fine-status", role: "status" });
    const undo = element("button", { type: "button", class: "link-button", "data-action": "undo-all-fine", hidden: "", text: ts("Undo") });
    const box = element("div", { class: "all-fine" }, [button, hint, status, undo]);
    questionsOf(section)[0].before(box);
    let last = [];

    button.addEventListener("click", () => {
      last = [];
      for (const question of fillable) {
        if (answered(question)) continue;
        question.querySelector("input[data-safe]").checked = true;
        mark(question, true);
        last.push(question);
      }
      status.textContent = last.length
        ? ts("Filled in: {n}. Check each answer marked “proposed”; tap another answer where it is not so.", { n: last.length })
        : ts("Every question here already has an answer.");
      undo.hidden = !last.length;
      hint.hidden = true; // the status says it now
      changed();
    });
    undo.addEventListener("click", () => {
      for (const question of last) {
        if (!question.classList.contains(MARK)) continue; // the resident has made it theirs
        for (const radio of question.querySelectorAll('input[type="radio"]')) radio.checked = false;
        mark(question, false);
      }
      last = [];
      status.textContent = "";
      undo.hidden = true;
      hint.hidden = false;
      button.focus();
      changed();
    });
  }
  remember();
}

/** "About 4 min left", from the questions not answered yet. */
export function timeLeft(form, ts) {
  const left = questionsOf(form).filter((q) => !answered(q)).length;
  if (!left) return ts("Every question is answered");
  const minutes = Math.round((left * SECONDS_PER_QUESTION) / 60);
  return minutes <= 1 ? ts("About a minute left") : ts("About {n} min left", { n: minutes });
}

/** The photo inputs become a labelled button showing the chosen file's name. */
export function photoButtons(form, ts) {
  form.classList.add("photo-enhanced");
  for (const input of form.querySelectorAll("input.photo-input")) {
    const name = input.closest(".photo-field")?.querySelector(".photo-name");
    if (!name) continue;
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      name.textContent = file ? ts("Photo: {name}", { name: file.name }) : ts("No photo chosen");
      name.hidden = false;
    });
  }
}
