/*
 * The map's points (site_gen/charts.py paper_map) are links named by their SVG <title>, which the
 * browser shows as a tooltip on hover only. This shows the title beside the point on focus (Tab)
 * as well as on hover, in the page's own label (`.paper-map-label`); the point's <title> becomes
 * its aria-label the first time, so that the two tooltips do not show at once.
 *
 * Listeners on the document: Material's instant navigation swaps pages without running scripts
 * again, and one listener serves 10,000 points. Titles are read and written as text only.
 */
(function () {
  "use strict";

  function pointOf(event) {
    const target = event.target;
    return target instanceof Element ? target.closest("svg.paper-map a") : null;
  }

  function show(point) {
    const frame = point.closest(".paper-map-frame");
    const label = frame && frame.querySelector(".paper-map-label");
    if (!label) return;
    const title = point.querySelector("title");
    if (title) {
      point.setAttribute("aria-label", title.textContent);
      title.remove();
    }
    label.textContent = point.getAttribute("aria-label");
    label.hidden = false;
    const box = point.getBoundingClientRect();
    const area = frame.getBoundingClientRect();
    const x = box.left + box.width / 2 - area.left;
    const y = box.top - area.top;
    // Left of the point in the right half of the map, so that the label stays inside it.
    label.style.left = x > area.width / 2 ? "" : `${x + 8}px`;
    label.style.right = x > area.width / 2 ? `${area.width - x + 8}px` : "";
    label.style.top = `${Math.max(0, y - label.offsetHeight - 4)}px`;
  }

  function hide(point) {
    const label = point.closest(".paper-map-frame")?.querySelector(".paper-map-label");
    if (label) label.hidden = true;
  }

  // The pointer left a point: the label goes back to the point that has the keyboard's focus, if any.
  function leave(point) {
    const focused = document.activeElement instanceof Element ? document.activeElement.closest("svg.paper-map a") : null;
    if (focused) show(focused);
    else hide(point);
  }

  for (const [kind, action] of [["pointerover", show], ["focusin", show], ["pointerout", leave], ["focusout", hide]]) {
    document.addEventListener(kind, (event) => {
      const point = pointOf(event);
      if (point) action(point);
    });
  }
})();
