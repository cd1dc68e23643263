// Everything that overflows or breaks, as {what, where, detail}: the page wider than the window;
// a box (not a scroll container, not a form control, not the map) whose content is wider than
// it; a number ("65,5", "1 234", "12 %") or a word of four letters or more split over two lines
// (a break at a hyphen, "IP-/адрес", is a normal line break).
() => {
  const problems = [];
  const name = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    if (el.classList.length) text += "." + [...el.classList].join(".");
    const parent = el.parentElement;
    return (parent ? parent.tagName.toLowerCase() + " > " : "") + text;
  };
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push({what: "page wider than the window", where: "html",
                   detail: `${root.scrollWidth} > ${window.innerWidth}`});
  }
  const skip = "select, input, textarea, option, svg, svg *, .leaflet-container, .leaflet-container *, .visually-hidden, .sr-only";
  for (const el of document.querySelectorAll("body *")) {
    if (el.matches(skip)) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.display === "inline" || style.display === "contents") continue;
    if (el.clientWidth === 0) continue;
    const scrolls = ["auto", "scroll"].includes(style.overflowX);
    // A table's wrapper may scroll on a phone; on a tablet or desktop the table must fit.
    if (scrolls && !el.classList.contains("table-wrap")) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push({what: "content wider than its box", where: name(el),
                     detail: `${el.scrollWidth} > ${el.clientWidth}: ${el.textContent.trim().slice(0, 60)}`});
    }
  }
  const main = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  // A number: digits with thousands groups (after a space of any kind), decimals, a percent.
  const pattern = /\d+(?:[ \u00a0\u202f]\d{3})*(?:[.,]\d+)?(?:[ \u00a0\u202f]?%)?|\p{L}{4,}/gu;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    // Machine strings (ids, an audit target's "bbox:76.9,43.2,…") may break anywhere.
    if (node.parentElement.closest(".leaflet-container, svg, script, style, code, .code")) continue;
    for (const match of node.data.matchAll(pattern)) {
      if (match[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) {
        problems.push({what: "broken across lines", where: name(node.parentElement), detail: match[0]});
      }
    }
  }
  return problems;
}
