// The approval page: make the review pack once the page is shown (it takes seconds),
// then show it in the frame; the button makes it again.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // The answer to the form: what became of the approval is read first.
  const outcome = document.querySelector(".outcome");
  if (outcome) {
    outcome.tabIndex = -1;
    outcome.focus();
  }
  const section = document.querySelector("section[data-pack]");
  if (!section) return;
  const status = section.querySelector(".pack-status");
  const problems = section.querySelector(".pack-problems");
  const button = section.querySelector(".pack-make");
  const link = section.querySelector(".pack-link");
  const frame = section.querySelector(".pack-frame");

  async function make() {
    button.disabled = true;
    status.textContent = "Making the review pack: this takes a few seconds…";
    problems.replaceChildren();
    try {
      const answer = await leafpress.send(section.dataset.pack, {});
      if (!answer.ok || typeof answer.reply !== "object") {
        status.textContent = `The review pack could not be made: ${answer.reply}`;
        return;
      }
      const reply = answer.reply;
      for (const problem of reply.problems || []) {
        const item = document.createElement("li");
        item.textContent = problem;
        problems.append(item);
      }
      frame.hidden = link.hidden = !reply.address;
      if (reply.address) {
        frame.src = `${reply.address}?made=${Date.now()}`;
        link.href = reply.address;
        status.textContent = "The review pack below was made just now, as build.py diff makes it.";
      } else {
        frame.removeAttribute("src");
        status.textContent = reply.nothing || "No review pack was made:";
      }
    } catch (error) {
      status.textContent = `The review pack could not be made: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", make);
  if (section.dataset.auto === "yes") make();
});
