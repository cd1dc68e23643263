// SafeYard: share a yard's PUBLIC page (templates/pages/_share.html). The Web Share API where
// the phone has it (the neighbours' chat is one tap away), else a copy of the link; without
// JavaScript the page already shows the link and the messenger links.

function say(box, text) {
  const status = box.querySelector(".share-status");
  if (status) status.textContent = text;
}

async function copy(box, url) {
  const field = box.querySelector(".share-url");
  try {
    await navigator.clipboard.writeText(url);
    say(box, box.dataset.copied);
  } catch {
    // No clipboard permission (or an old browser): select the link for a manual copy.
    field?.focus();
    field?.select();
    say(box, box.dataset.copyFailed);
  }
}

export function enhance(box) {
  const button = box.querySelector(".share-button");
  if (!button) return;
  const { url, title, text } = box.dataset;
  button.hidden = false;
  button.addEventListener("click", async () => {
    if (navigator.share) {
      try {
        await navigator.share({ title, text, url });
        return;
      } catch (error) {
        // The resident closed the sheet: nothing more to do.
        if (error && error.name === "AbortError") return;
      }
    }
    await copy(box, url);
  });
  // A tap in the field selects the whole link.
  box.querySelector(".share-url")?.addEventListener("focus", (event) => event.target.select());
}

for (const box of document.querySelectorAll("[data-share]")) enhance(box);
