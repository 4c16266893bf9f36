// The leaflet form: collects its fields into the leaflet's data (in the shape of its YAML),
// changes its lists (add, remove, move, change a block's type, a table's rows and columns),
// checks and previews the leaflet after a pause in typing, shows each problem beside the
// field it names, and saves. Every field of the form is a [data-node] (form.py,
// form-fields.html.j2): a value, a mapping (its children have data-key) or a list (its
// children have data-item).
"use strict";

const VALUES = new Set(["text", "markup", "date", "choice", "figure", "flag"]);
const PAUSE = 400;  // ms without typing before the leaflet is checked again (issue 22)

const leafletForm = {
  page: null, root: null, saved: "", timer: null, busy: false, again: false, pdf: null,
  // Each check, save and PDF request is numbered as it is sent; an answer's problems are
  // shown only if no later request's are shown already (a slow check of older text must
  // not wipe out what a save just said).
  sent: 0, shown: 0,

  // Whether the answer to request `number` may show its problems; if so it is the latest.
  latest(number) {
    if (number < this.shown) return false;
    this.shown = number;
    return true;
  },

  start() {
    this.page = JSON.parse(document.getElementById("leaflet-page").textContent);
    this.root = document.getElementById("leaflet-form");
    if (!this.root) return;
    renumber();
    this.saved = stable(this.collect());
    this.root.querySelectorAll("textarea").forEach(fit);
    this.root.addEventListener("click", clicked);
    this.root.addEventListener("input", event => { fit(event.target); this.changed(); });
    this.root.addEventListener("change", changedSelect);
    this.root.addEventListener("keydown", shortcut);
    this.root.addEventListener("submit", event => event.preventDefault());
    document.getElementById("save").addEventListener("click", () => this.save());
    document.getElementById("show-pdf").addEventListener("click", () => this.showPdf());
    document.getElementById("reload").addEventListener("click", reload);
    window.addEventListener("beforeunload", event => {
      if (this.dirty()) { event.preventDefault(); event.returnValue = ""; }
    });
    this.check();
  },

  // The leaflet as the form holds it now.
  collect() { return collect(this.root); },
  dirty() { return stable(this.collect()) !== this.saved; },
  url(action) { return `/edit/leaflets/${this.page.id}/${action}`; },
  body() { return {leaflet: this.collect(), base: this.page.base}; },

  changed() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), PAUSE);
  },

  // Check the leaflet as typed: its problems beside their fields, its grades, its preview.
  async check() {
    clearTimeout(this.timer);
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    const number = ++this.sent;
    try {
      const {ok, status, reply} = await leafpress.send(this.url("check"), this.body());
      if (!this.latest(number)) return;
      if (ok) {
        showProblems(reply.problems);
        showGrades(reply.grades, reply.max_grade);
        if (reply.preview) {
          showPreview(reply.preview);
          say("preview-status", "The web page as it will be published, updated as you type.");
        } else {  // a leaflet with errors has no web page: the last one stays
          say("preview-status", "Not updated: the preview shows the leaflet as it was before " +
              "the errors shown beside the fields; put them right to see your changes.");
        }
      } else {
        say("preview-status", `No preview: the editor answered ${status}` +
            (reply.problems ? "" : `: ${reply}`));
        if (reply.problems) showProblems(reply.problems);
      }
    } catch (error) {
      say("preview-status", "No preview: the editor does not answer (is serve still running?)");
    } finally {
      this.busy = false;
      if (this.again) { this.again = false; this.check(); }
    }
  },

  async save() {
    clearTimeout(this.timer);
    say("status", "Saving…");
    const body = this.body(), sent = stable(body.leaflet), number = ++this.sent;
    let answer;
    try { answer = await leafpress.send(this.url("save"), body); } catch (error) {
      say("status", "Not saved: the editor does not answer (is serve still running?)");
      return;
    }
    const {status, reply} = answer;
    const latest = this.latest(number);
    if (status === 200) {
      this.page.base = reply.base;
      this.saved = sent;
      document.getElementById("conflict").hidden = true;
      if (latest) showProblems(reply.problems || []);
      const warnings = (reply.problems || []).length;
      say("status", `Saved ${this.page.file} at ${new Date().toLocaleTimeString()}` +
          (warnings ? `, with ${count(warnings, "warning")} shown beside the fields.` : "."));
      this.check();
    } else if (status === 409) {
      document.getElementById("conflict-message").textContent = reply.conflict;
      document.getElementById("conflict").hidden = false;
      say("status", "Not saved: the file changed on disk. Your changes are still here.");
    } else if (status === 422) {
      if (latest) showProblems(reply.problems);
      const errors = reply.problems.filter(problem => problem.severity === "error").length;
      say("status", `Not saved: ${count(errors, "error")} to put right first, each shown ` +
          "beside its field (nothing was written).");
    } else {
      say("status", `Not saved: the editor answered ${status}: ${text(reply)}`);
    }
  },

  // The PDF, made by the server: a binary reply, so fetched here rather than with
  // leafpress.send (which reads a reply as JSON or text).
  async showPdf() {
    say("status", "Making the PDF…");
    let response;
    try {
      response = await fetch(this.url("pdf"), {
        method: "POST", body: JSON.stringify(this.body()),
        headers: {"X-Leafpress-Token": leafpress.token(), "Content-Type": "application/json"}});
    } catch (error) {
      say("status", "No PDF: the editor does not answer (is serve still running?)");
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.startsWith("application/pdf")) {
      if (this.pdf) URL.revokeObjectURL(this.pdf);
      this.pdf = URL.createObjectURL(await response.blob());
      document.getElementById("pdf").src = this.pdf;
      document.getElementById("pdf-link").href = this.pdf;
      document.getElementById("pdf-area").hidden = false;
      say("status", "The PDF is shown below the preview.");
    } else if (type.startsWith("application/json")) {
      const reply = await response.json();
      showProblems(reply.problems || []);
      say("status", `No PDF: ${count((reply.problems || []).length, "problem")} to put ` +
          "right first, each shown beside its field.");
    } else {
      say("status", `No PDF: the editor answered ${response.status}: ${await response.text()}`);
    }
  },
};

// Reading the form -----------------------------------------------------------------------

function owner(element) { return element.parentElement.closest("[data-node]"); }

function kids(node) {
  const root = node === leafletForm.root ? null : node;
  return [...node.querySelectorAll("[data-node]")].filter(child => owner(child) === root);
}

function own(node, selector) {
  return [...node.querySelectorAll(selector)].find(found => found.closest("[data-node]") === node);
}

function control(node) { return own(node, "[data-control]"); }

function collect(node) {
  const kind = node.dataset.kind;
  if (kind === "flag") {  // "true", or "false" if the file said so (else left out), as read
    if (control(node).checked) return "true";
    return node.dataset.empty === "absent" ? undefined : "false";
  }
  if (VALUES.has(kind)) {
    const value = control(node).value;
    return value !== "" ? value : empty(node);
  }
  if (kind === "record" || kind === "raw") {
    return node.dataset.present === "false" ? undefined : JSON.parse(node.dataset.json);
  }
  if (kind === "list" || kind === "blocks") {
    const items = kids(node).map(collect);
    return items.length || !node.dataset.empty ? items : empty(node);
  }
  const data = {};
  for (const child of kids(node)) {
    if (child.dataset.kind === "extra") Object.assign(data, JSON.parse(child.dataset.json));
    else {
      const value = collect(child);
      if (value !== undefined) data[child.dataset.key] = value;
    }
  }
  return Object.keys(data).length || !node.dataset.empty ? data : empty(node);
}

// An empty field is sent as it was read (absent, empty or ""); one emptied here as an
// empty value if the leaflet needs it (check then says so), else left out. An emptied
// text is sent as "": as null, check would take it for a YAML comment ("a value that
// starts with # must be put in quotes"), which nobody typed here.
function empty(node) {
  const was = node.dataset.empty;
  if (was === "absent") return undefined;
  if (was === "null") return null;
  if (was === "empty") return "";
  if (!("required" in node.dataset)) return undefined;
  return VALUES.has(node.dataset.kind) ? "" : null;
}

function stable(value) {
  return JSON.stringify(value, (key, inner) => inner && typeof inner === "object" &&
    !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort()) : inner);
}

// After a change: each node's key path, the ids that follow from it, the item numbers.
function renumber() {
  const root = leafletForm.root;
  for (const node of root.querySelectorAll("[data-node]")) {
    const where = whereOf(node), old = node.dataset.base;
    const base = "f-" + where.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
    node.dataset.where = where;
    node.dataset.base = base;
    if (old === base) continue;
    const mine = element => element.closest("[data-node]") === node;
    const moved = id => id.startsWith(old) ? base + id.slice(old.length) : id;
    for (const element of node.querySelectorAll("[id], [for], [aria-describedby]")) {
      if (!mine(element)) continue;
      if (element.id) element.id = moved(element.id);
      if (element.htmlFor) element.htmlFor = moved(element.htmlFor);
      const described = element.getAttribute("aria-describedby");
      if (described) element.setAttribute("aria-describedby",
                                           described.split(" ").map(moved).join(" "));
    }
  }
  for (const element of root.querySelectorAll("[data-say*='{n}']")) {
    const item = element.closest("[data-item]");
    const text = element.dataset.say.replace("{n}", item ? number(item) : "");
    if (element.tagName === "BUTTON") element.setAttribute("aria-label", text);
    else element.textContent = text;
  }
  for (const item of root.querySelectorAll("[data-item]")) {
    const siblings = kids(owner(item) || root);
    const up = own(item, "[data-do='up']"), down = own(item, "[data-do='down']");
    if (up) up.disabled = siblings[0] === item;
    if (down) down.disabled = siblings[siblings.length - 1] === item;
  }
}

function number(item) { return kids(owner(item)).indexOf(item) + 1; }

function whereOf(node) {
  const parts = [];
  for (let at = node; at; at = owner(at)) {  // (the keys a mapping lacks have neither)
    if ("item" in at.dataset) parts.unshift(number(at) - 1);
    else if (at.dataset.key !== undefined) parts.unshift(at.dataset.key);
  }
  return parts.reduce((text, part) => typeof part === "number" ? `${text}[${part}]`
                                                                 : text ? `${text}.${part}` : part, "");
}

// Changing the form ----------------------------------------------------------------------

function clicked(event) {
  const button = event.target.closest("button[data-do]");
  if (!button) return;
  const action = ACTIONS[button.dataset.do];
  if (!action) return;
  action(button);
  renumber();
  leafletForm.changed();
}

const ACTIONS = {
  up: button => move(button, -1),
  down: button => move(button, +1),
  remove(button) {
    const item = button.closest("[data-item]"), list = owner(item);
    const siblings = kids(list), at = siblings.indexOf(item);
    const next = siblings[at + 1] || siblings[at - 1];
    const name = button.getAttribute("aria-label").replace(/^Remove /, "");
    item.remove();
    renumber();
    focus(next ? first(next) : own(list, "button[data-do^='add']"));
    say("status", `Removed ${name}.`);
  },
  add(button) {
    const list = owner(button);
    const item = append(list, `${list.dataset.schema}[]`);
    renumber();
    focus(first(item));
  },
  "add-block"(button) {
    const list = owner(button), type = own(list, "[data-new-type]").value;
    const item = append(list, `${list.dataset.schema}[]:${type}`);
    renumber();
    focus(first(item));
  },
  retype(button) {
    const item = button.closest("[data-item]");
    const type = own(item, "[data-type-choice]").value;
    if (type === item.dataset.type) return;
    const texts = [...item.querySelectorAll("[data-kind='markup'] [data-control], " +
                                            "[data-kind='text'] [data-control]")]
      .map(field => field.value.trim()).filter(Boolean);
    const replacement = make(`${owner(item).dataset.schema}[]:${type}`);
    item.replaceWith(replacement);
    fill(kids(replacement).find(child => child.dataset.key === type), texts);
    renumber();
    focus(own(replacement, "[data-type-choice]"));
    say("status", `Block ${number(replacement)} is now of the type ${type}.`);
  },
  "add-column"(button) {
    const header = owner(button), rows = sibling(header, "rows");
    const cell = append(header, `${header.dataset.schema}[]`);
    for (const row of kids(rows)) append(row, `${rows.dataset.schema}[][]`);
    renumber();
    focus(first(cell));
  },
  "remove-column"(button) {
    const cell = button.closest("[data-item]"), header = owner(cell);
    const at = kids(header).indexOf(cell), rows = sibling(header, "rows");
    for (const row of kids(rows)) kids(row)[at]?.remove();
    const next = kids(header)[at + 1] || kids(header)[at - 1];
    cell.remove();
    renumber();
    focus(next ? first(next) : own(header, "[data-do='add-column']"));
    say("status", `Removed column ${at + 1}.`);
  },
  "add-row"(button) {
    const rows = owner(button), header = sibling(rows, "header");
    const row = append(rows, `${rows.dataset.schema}[]`);
    for (let column = 0; column < kids(header).length; column++) {
      append(row, `${rows.dataset.schema}[][]`);
    }
    renumber();
    focus(first(row));
  },
  bold(button) { wrap(control(owner(button)), "**", "**", "bold text"); },
  link(button) { askLink(control(owner(button)), button); },
};

function move(button, step) {
  const item = button.closest("[data-item]"), siblings = kids(owner(item));
  const other = siblings[siblings.indexOf(item) + step];
  if (!other) return;
  if (step < 0) other.before(item); else other.after(item);
  renumber();
  const again = own(item, `[data-do='${button.dataset.do}']`);
  focus(again && !again.disabled ? again : own(item, `[data-do='${step < 0 ? "down" : "up"}']`));
  const noun = button.dataset.say.replace(/^Move (.*) \{n\} (up|down)$/, "$1");
  say("status", `Moved: now ${noun} ${number(item)}.`);
}

function make(schema) {
  const template = document.querySelector(`template[data-schema="${CSS.escape(schema)}"]`);
  return template.content.firstElementChild.cloneNode(true);
}

function append(list, schema) {
  const item = make(schema);
  own(list, "ol.items").append(item);
  return item;
}

function sibling(node, key) { return kids(owner(node)).find(child => child.dataset.key === key); }

// A block's texts, kept when its type changes: into its main text, or one per item.
function fill(main, texts) {
  if (!main || !texts.length) return;
  if (VALUES.has(main.dataset.kind)) { control(main).value = texts.join(" "); return; }
  if (main.dataset.kind !== "list") return;
  for (const item of kids(main)) item.remove();
  for (const text of texts) {
    const item = append(main, `${main.dataset.schema}[]`);
    if (VALUES.has(item.dataset.kind)) control(item).value = text;
  }
}

function first(item) {
  return [...item.querySelectorAll("textarea, input, select, button")].find(
    element => !element.disabled) || item;
}

// A text area as tall as its text.
function fit(field) {
  if (field.tagName !== "TEXTAREA") return;
  field.style.height = "auto";
  field.style.height = `${field.scrollHeight + 2}px`;
}

function focus(element) { if (element) element.focus(); }

function changedSelect(event) {
  if (event.target.matches("input[type=file][data-do='upload']")) upload(event.target);
  else if (event.target.matches("[data-control]")) leafletForm.changed();
}

// Bold and links: the markup leaflets use (content/markup.py), around the selection.
function wrap(field, before, after, placeholder) {
  let start = field.selectionStart, end = field.selectionEnd;
  while (start < end && field.value[start] === " ") start++;
  while (end > start && field.value[end - 1] === " ") end--;
  const chosen = field.value.slice(start, end) || placeholder;
  field.setRangeText(before + chosen + after, start, end, "end");
  field.setSelectionRange(start + before.length, start + before.length + chosen.length);
  field.focus();
  field.dispatchEvent(new Event("input", {bubbles: true}));
}

function askLink(field, button) {
  const dialog = document.getElementById("link-dialog");
  const address = document.getElementById("link-address");
  const [start, end] = [field.selectionStart, field.selectionEnd];
  address.value = "https://";
  dialog.returnValue = "";
  dialog.addEventListener("close", () => {
    const typed = address.value.trim();
    if (dialog.returnValue !== "add" || !/^https?:\/\/\S+$/.test(typed)) {
      button.focus();
      return;
    }
    field.setSelectionRange(start, end);
    wrap(field, "[", `](${typed})`, "link text");
  }, {once: true});
  dialog.showModal();
  address.focus();
}

function shortcut(event) {
  const field = event.target;
  if ((event.ctrlKey || event.metaKey) && field.matches("textarea[data-control]")) {
    if (event.key === "b") { event.preventDefault(); wrap(field, "**", "**", "bold text"); }
    if (event.key === "k") { event.preventDefault(); askLink(field, field); }
  }
}

// A figure file: uploaded beside the leaflet (checked there as check checks it); its name
// fills the field.
async function upload(input) {
  const node = owner(input), file = input.files[0];
  if (!file) return;
  const body = new FormData();
  body.append("file", file);
  say("status", `Uploading ${file.name}…`);
  let answer;
  try { answer = await leafpress.send(leafletForm.url("figures"), body); } catch (error) {
    say("status", "Not uploaded: the editor does not answer (is serve still running?)");
    return;
  }
  const {status, reply} = answer;
  input.value = "";
  const slot = own(node, "[data-problems]");
  slot.replaceChildren(...(reply.problems || []).map(problem => line(problem, problem.text)));
  if (status === 200) {
    control(node).value = reply.name;
    const names = document.getElementById("figure-files");
    if (![...names.options].some(option => option.value === reply.name)) {
      names.append(new Option(reply.name, reply.name));
    }
    say("status", `Uploaded ${reply.name}.`);
    leafletForm.changed();
  } else {
    if (!reply.problems) slot.append(line({severity: "error"}, text(reply)));
    say("status", `Not uploaded: ${file.name} (see the message beside the figure).`);
  }
  describe();
}

function reload() {
  const question = "Reload the file from disk? What you typed since you last saved will be " +
                   "lost; copy it first if you need it.";
  if (!window.confirm(question)) return;
  leafletForm.saved = stable(leafletForm.collect());  // asked already: not again on leaving
  window.location.reload();
}

function say(id, words) { document.getElementById(id).textContent = words; }
function count(n, noun) { return `${n} ${noun}${n === 1 ? "" : "s"}`; }
function text(reply) { return typeof reply === "string" ? reply.trim() : JSON.stringify(reply); }

document.addEventListener("DOMContentLoaded", () => leafletForm.start());
