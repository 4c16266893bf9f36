"""Measure how full each laid-out page is, and name the pages that waste paper (issue 23).

Read from WeasyPrint's layout (its pages' box trees), after the document is laid out and
before it is written: a page's fill is the share of its text area's height down to the
last thing drawn on it (a line, an image, a box with a background or a border).
"""

from __future__ import annotations

from dataclasses import dataclass

# A page that is not the last and is filled less than this is waste: under a third of a
# page left blank is what keeping a heading with its text, or a callout whole, costs at
# worst; more than that is a page a reader turns for almost nothing (issue 23: "half-empty
# pages before sections kept together").
MIN_FILL = 0.30
# A last page holding this many lines or fewer (or a lone callout) is a page printed for
# a line or two: "ketamine standard p5" held one.
LAST_PAGE_LINES = 2

# What a block is called in a finding, by its element (leaflet.html.j2).
KINDS = {"p": "paragraph", "li": "list", "h2": "heading", "h3": "heading", "th": "table",
         "td": "table", "figcaption": "figure", "caption": "table"}
BOXED = ("callout", "warning")


@dataclass(frozen=True)
class Line:
    """One line drawn on a page: the block it belongs to and the section it is in."""

    block: int  # id of the block's element: the same block on two pages has the same id
    kind: str
    section: str


@dataclass(frozen=True)
class Page:
    """One laid-out page: its number, its fill (0 to 1) and the lines it holds."""

    number: int
    fill: float
    lines: tuple[Line, ...]


def measure(document) -> list[Page]:
    """Return each page of a laid-out WeasyPrint ``document`` with its fill and lines."""
    pages = []
    for number, page in enumerate(document.pages, 1):
        box = page._page_box  # noqa: SLF001 (WeasyPrint's layout, which only it exposes)
        top, height = box.content_box_y(), box.height
        root = box.children[0]  # then the margin boxes: headers and footers
        lines: list[Line] = []
        bottom = _walk(root, top, lines, block=None, section="")
        pages.append(Page(number, max(0.0, min(1.0, (bottom - top) / height)), tuple(lines)))
    return pages


def _walk(box, bottom: float, lines: list[Line], block, section: str) -> float:
    """Collect the lines under ``box``; return the lowest edge of what is drawn there."""
    element, tag = getattr(box, "element", None), getattr(box, "element_tag", None)
    if tag and tag.endswith("::marker"):  # a list item's number: on its first line
        return bottom
    classes = (element.get("class") or "").split() if element is not None else []
    if tag == "section":
        section = _heading(element) or section
    kind = next((name for name in BOXED if name in classes), None)
    if kind or (block is None or block[1] not in BOXED) and tag in KINDS:
        block = (id(element), kind or KINDS[tag])
    name = type(box).__name__
    if name == "LineBox":
        if block is not None:
            lines.append(Line(block[0], block[1], section))
        return max(bottom, box.position_y + box.height)
    # The root's background is the whole page's (CSS 2, 14.2): it does not count.
    if "Replaced" in name or tag not in ("html", "body") and _painted(box):
        bottom = max(bottom, box.border_box_y() + box.border_height())
    for child in getattr(box, "children", ()):
        bottom = _walk(child, bottom, lines, block, section)
    return bottom


def _painted(box) -> bool:
    """Whether ``box`` draws a background or a border of its own."""
    style = box.style
    background = style["background_color"]
    return (background is not None and background.alpha > 0) or any(
        style[f"border_{side}_width"] for side in ("top", "bottom", "left", "right"))


def _heading(element) -> str:
    for child in element:
        if str(child.tag).endswith("h2"):
            return " ".join("".join(child.itertext()).split())
    return ""


def waste(pages: list[Page]) -> list[str]:
    """Return a sentence for each page that wastes paper, saying what it holds."""
    found = []
    for page in pages:
        of = f"page {page.number} of {len(pages)}"
        if page.number < len(pages) and page.fill < MIN_FILL:
            found.append(f"{of} is {page.fill:.0%} full (under {MIN_FILL:.0%}): "
                         f"{_holds(page, pages)}")
        elif page.number == len(pages) > 1 and (len(page.lines) <= LAST_PAGE_LINES
                                                or _lone(page)):
            found.append(f"{of}, the last, is {page.fill:.0%} full: {_holds(page, pages)}")
    return found


def _lone(page: Page) -> bool:
    """Whether everything on ``page`` is one callout or warning."""
    blocks = {(line.block, line.kind) for line in page.lines}
    return len(blocks) == 1 and next(iter(blocks))[1] in BOXED


def _holds(page: Page, pages: list[Page]) -> str:
    """Say what ``page`` holds: "it holds only the last 2 lines of a paragraph of 'X'"."""
    if not page.lines:
        return "it holds nothing but space"
    first = page.lines[0]
    section = first.section or "the title"
    if _lone(page):
        return f"it holds only a {first.kind} of '{section}'"
    count = len(page.lines)
    only = "only " if count <= LAST_PAGE_LINES else ""
    lines = f"{only}{count} line{'s' if count > 1 else ''}"
    if len({line.block for line in page.lines}) == 1:
        before = pages[page.number - 2].lines if page.number > 1 else ()
        last = "the last " if any(line.block == first.block for line in before) else ""
        return f"it holds {only}{last}{lines.removeprefix(only)} of a {first.kind} of '{section}'"
    sections = dict.fromkeys(f"'{line.section or 'the title'}'" for line in page.lines)
    return f"it holds {lines}, of {' and '.join(sections)}"
