// The translation page: send the rows the translator changed; keep every text typed when
// a save is refused or the file changed meanwhile, and ask before leaving unsaved work.
"use strict";

(() => {
  const form = document.getElementById("translations");
  if (!form) return;
  const message = document.getElementById("message");
  const problems = document.getElementById("problems");
  const rows = [...form.querySelectorAll("li.text")].filter(row => row.querySelector("textarea"));
  const saved = new Map(rows.map(row => [row, row.querySelector("textarea").value]));

  const done = row => row.querySelector("input.done");
  const fuzzy = row => row.querySelector("textarea").dataset.fuzzy === "true" &&
                       !(done(row) && done(row).checked);
  const changed = row => row.querySelector("textarea").value !== saved.get(row) ||
                         (done(row) !== null && done(row).checked);
  const unsaved = () => rows.filter(changed);
  const kept = `leafpress-unsaved:${location.pathname}`;
  const rowOf = msgid => rows.find(row => row.dataset.msgid === msgid);

  // Texts kept from a save refused because the catalog had changed: put them back in
  // the reloaded page, to be checked and saved again.
  const pending = JSON.parse(sessionStorage.getItem(kept) || "[]");
  sessionStorage.removeItem(kept);
  for (const {msgid, msgstr, done: ticked} of pending) {
    const row = rowOf(msgid);
    if (!row) continue;
    row.querySelector("textarea").value = msgstr;
    if (ticked && done(row)) done(row).checked = true;
    row.classList.toggle("changed-here", changed(row));
  }
  if (pending.length) {
    message.textContent = "Your unsaved texts are back in their boxes (marked); check them, " +
                          "then save.";
  }

  form.addEventListener("input", event => {
    const row = event.target.closest("li.text");
    if (row) row.classList.toggle("changed-here", changed(row));
  });

  form.addEventListener("submit", async event => {
    event.preventDefault();
    const changes = unsaved();
    problems.replaceChildren();
    if (!changes.length) { message.textContent = "Nothing to save: no text was changed."; return; }
    message.textContent = "Saving…";
    const entries = changes.map(row => {
      const area = row.querySelector("textarea");
      return {msgid: row.dataset.msgid, msgctxt: area.dataset.context ?? null,
              msgstr: area.value, fuzzy: fuzzy(row)};
    });
    const {status, reply} = await leafpress.send(form.dataset.save,
                                                 {base: form.dataset.base, entries});
    if (status === 200) {
      form.dataset.base = reply.base;
      for (const row of changes) settle(row);
      message.textContent = `Saved ${reply.saved} text${reply.saved === 1 ? "" : "s"}.`;
    } else if (status === 409) {
      message.textContent = reply.conflict;
      const reload = document.createElement("button");
      reload.type = "button";
      reload.textContent = "Reload the catalog, keeping my texts";
      reload.addEventListener("click", () => {
        sessionStorage.setItem(kept, JSON.stringify(unsaved().map(row => ({
          msgid: row.dataset.msgid, msgstr: row.querySelector("textarea").value,
          done: done(row) !== null && done(row).checked}))));
        leaving = true;
        location.reload();
      });
      const item = document.createElement("li");
      item.append(reload);
      problems.replaceChildren(item);
    } else {
      message.textContent = "Not saved: the catalog would not pass the build's checks.";
      const list = reply.problems || [typeof reply === "string" ? reply : JSON.stringify(reply)];
      problems.replaceChildren(...list.map(text => {
        const item = document.createElement("li");
        item.textContent = text;
        return item;
      }));
    }
  });

  // A saved row takes the state the catalog now gives it.
  function settle(row) {
    const area = row.querySelector("textarea");
    const state = area.value === "" ? "untranslated" : fuzzy(row) ? "fuzzy" : "translated";
    const words = {translated: "translated", fuzzy: "fuzzy: check it against the new English",
                   untranslated: "not translated yet"};
    saved.set(row, area.value);
    area.dataset.fuzzy = String(state === "fuzzy");
    if (state !== "fuzzy" && done(row)) done(row).closest("p.done").remove();
    row.classList.remove("translated", "fuzzy", "untranslated", "invalid", "changed-here");
    row.classList.add(state);
    row.dataset.state = state;
    const value = row.querySelector(".state .value");
    value.parentElement.replaceChildren("State: ", value);
    value.textContent = words[state];
  }

  let leaving = false;
  window.addEventListener("beforeunload", event => {
    if (!leaving && unsaved().length) event.preventDefault();
  });
})();
