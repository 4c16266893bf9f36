// The leaflet form's answers from the server, shown where they belong: each problem beside
// the field its key path names (the file's own at the top), errors and warnings told apart
// in words, each section's reading grade as a meter with its number, the preview.
// (form.js is the form itself: these read its nodes with its `own`, `control`, `kids`.)
"use strict";

function showProblems(problems) {
  const root = leafletForm.root;
  for (const slot of root.querySelectorAll("[data-problems]")) slot.replaceChildren();
  const filewide = [];
  for (const problem of problems) {
    const node = problem.where ? nodeAt(problem.where) : null;
    if (!node) { filewide.push(line(problem, problem.message, "li")); continue; }
    const exact = node.dataset.where === problem.where;
    own(node, "[data-problems]").append(
      line(problem, exact ? problem.text : `${problem.where}: ${problem.text}`));
  }
  const section = document.getElementById("file-problems");
  section.querySelector("ul").replaceChildren(...filewide);
  section.hidden = !filewide.length;
  describe();
}

function nodeAt(where) {
  for (let at = where; at; at = at.replace(/(\.[^.[\]]+|\[\d+\])$/, "")) {
    const node = leafletForm.root.querySelector(`[data-where="${CSS.escape(at)}"]`);
    if (node) return node;
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(at)) break;
  }
  return null;
}

function line(problem, words, tag = "p") {
  const element = document.createElement(tag);
  const warning = problem.severity === "warning";
  element.className = `problem ${warning ? "warning" : "error"}`;
  const label = document.createElement("strong");
  label.textContent = warning ? "Warning:" : "Error:";
  element.append(label, " ", words);
  return element;
}

// Each field is described by its hint and by the problems shown beside it.
function describe() {
  for (const node of leafletForm.root.querySelectorAll("[data-node]")) {
    const slot = own(node, "[data-problems]");
    const target = control(node) || own(node, "fieldset");
    if (!slot || !target) continue;
    const hint = own(node, ".hint[id]");
    const ids = [hint?.id, slot.childElementCount ? slot.id : null].filter(Boolean);
    if (ids.length) target.setAttribute("aria-describedby", ids.join(" "));
    else target.removeAttribute("aria-describedby");
    if (slot.querySelector(".error") && control(node)) target.setAttribute("aria-invalid", "true");
    else target.removeAttribute("aria-invalid");
  }
}

function showGrades(grades, most) {
  const sections = kids(leafletForm.root).find(node => node.dataset.key === "sections");
  if (!sections || sections.dataset.kind !== "list") return;
  kids(sections).forEach((section, index) => {
    const legend = own(section, "legend");
    if (!legend) return;
    let box = own(section, ".grade");
    if (!box) {
      box = document.createElement("div");
      box.className = "grade";
      legend.after(box);
    }
    const grade = grades[String(index)], id = `${section.dataset.base}-grade`;
    const label = Object.assign(document.createElement("label"),
                                {htmlFor: id, textContent: "Reading grade"});
    const words = document.createElement("span");
    if (grade === null || grade === undefined) {
      words.textContent = " not measured (too little text)";
      box.replaceChildren(label, words);
      return;
    }
    const meter = Object.assign(document.createElement("meter"),
                                {id, min: 0, max: most, value: Math.min(grade, most)});
    words.textContent = ` ${grade.toFixed(1)} (aim: ${most} or lower)` +
      (grade > most ? ": above the aim" : "");
    box.replaceChildren(label, " ", meter, words);
  });
}

function showPreview(html) {
  const frame = document.getElementById("preview");
  let x = 0, y = 0;
  try { ({scrollX: x, scrollY: y} = frame.contentWindow); } catch (error) { /* none yet */ }
  frame.addEventListener("load", () => {
    try { frame.contentWindow.scrollTo(x, y); } catch (error) { /* left at the top */ }
  }, {once: true});
  frame.srcdoc = html;
}

