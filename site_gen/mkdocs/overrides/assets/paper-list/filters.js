/*
 * Filter and sort the paper listings in the browser: category and tag pages (`.paper-list`:
 * `## year` headings and `.paper-entry` blocks carrying data-year/-venue/-code/-title/-authors)
 * and the "All papers" table (`.paper-table`, sorted by the vendored tablesort.js, the way
 * Material for MkDocs documents sortable tables).
 *
 * - The state lives in the URL query (?text=&from=&to=&venue=&code=1&sort=), replaced in place,
 *   so a filtered view is a shareable link and survives a reload. `q` is not used: it is
 *   Material's search deep link.
 * - The controls are created here, so without JavaScript the page is the plain list.
 * - Material's instant navigation swaps pages without reloading scripts: set-up runs on every
 *   `document$` emission, never on DOMContentLoaded.
 * - Text from the page is only ever read with textContent/dataset and written with textContent
 *   or option values: nothing is parsed as HTML.
 */
(function () {
  "use strict";

  const PARAMS = ["text", "from", "to", "venue", "code", "sort"];
  const DEFAULT_SORT = "year-desc";
  const SORTS = [
    ["year-desc", "Newest first"],
    ["year-asc", "Oldest first"],
    ["title-asc", "Title A–Z"],
    ["title-desc", "Title Z–A"],
  ];
  const NO_VENUE = "-";
  const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  let uid = 0;

  /* Lower case, accents removed: "Gödel" is found by "godel". */
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  /* "NeurIPS 2024 Workshop (x)" -> "NeurIPS": the venue's name without the year and what follows. */
  function venueKey(venue) {
    const text = venue.replace(/\s+/g, " ").trim();
    if (!text) return NO_VENUE;
    const match = /^(.*?)[\s,(]*\b(?:1[89]|2\d)\d\d\b/.exec(text);
    return (match && match[1].trim()) || text;
  }

  function textOf(root, selector) {
    return Array.from(root.querySelectorAll(selector), (el) => el.textContent).join(" ");
  }

  function element(tag, props, children) {
    const el = document.createElement(tag);
    Object.assign(el, props || {});
    for (const child of children || []) el.append(child);
    return el;
  }

  /* ---------------------------------------------------------------- listings and tables */

  /* A listing of `.paper-entry` blocks grouped under year headings. */
  function paperList(container) {
    const groups = [];
    const items = [];
    for (const node of Array.from(container.children)) {
      if (/^H[1-6]$/.test(node.tagName)) {
        groups.push({ heading: node, items: [] });
      } else if (node.classList.contains("paper-entry")) {
        if (!groups.length) groups.push({ heading: null, items: [] });
        const data = node.dataset;
        const item = {
          el: node,
          year: parseInt(data.year, 10),
          venue: venueKey(data.venue || ""),
          code: data.code === "yes",
          title: data.title || textOf(node, ".paper-title"),
          text: fold([data.title, data.authors, data.venue, textOf(node, ".paper-meta, .tag-chip")].join(" ")),
        };
        groups[groups.length - 1].items.push(item);
        items.push(item);
      }
    }
    return {
      items,
      sorts: SORTS,
      place: container,
      show(state) {
        const byTitle = state.sort.startsWith("title");
        for (const group of groups) {
          if (!group.heading) continue;
          const visible = !byTitle && group.items.some((item) => !item.el.hidden);
          group.heading.hidden = !visible;
          /* The table of contents (sidebar and drawer) lists the year headings too. */
          for (const link of document.querySelectorAll(".md-nav a.md-nav__link[href*='#']")) {
            if (link.hash === "#" + group.heading.id && link.pathname === window.location.pathname) {
              link.parentElement.hidden = !visible;
            }
          }
        }
      },
      sort(key) {
        const nodes = [];
        if (key === "year-desc" || key === "year-asc") {
          const ordered = key === "year-desc" ? groups : groups.slice().reverse();
          for (const group of ordered) {
            if (group.heading) nodes.push(group.heading);
            for (const item of group.items) nodes.push(item.el);
          }
        } else {
          const sign = key === "title-desc" ? -1 : 1;
          for (const group of groups) if (group.heading) nodes.push(group.heading);
          const sorted = items.slice().sort((a, b) => sign * collator.compare(a.title, b.title) || b.year - a.year);
          for (const item of sorted) nodes.push(item.el);
        }
        container.append(...nodes);
      },
    };
  }

  /* The "All papers" table: one row per paper, columns found by their header text. */
  function paperTable(wrapper) {
    const table = wrapper.querySelector("table");
    if (!table || !table.tHead || !table.tBodies.length || typeof Tablesort !== "function") return null;
    const headers = Array.from(table.tHead.rows[table.tHead.rows.length - 1].cells);
    const keys = headers.map((th) => fold(th.textContent.trim()).replace(/[^a-z0-9]+/g, "-"));
    const column = (name) => keys.indexOf(name);
    const [title, year, venue, code] = ["title", "year", "venue", "code"].map(column);
    if (title < 0 || year < 0) return null;
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const cell = (row, index) => (index >= 0 && row.cells[index] ? row.cells[index] : null);
    const items = rows.map((row) => ({
      el: row,
      year: parseInt(cell(row, year).textContent, 10),
      venue: venueKey(venue >= 0 ? cell(row, venue).textContent : ""),
      code: code >= 0 && !!cell(row, code).querySelector("a[href]"),
      title: cell(row, title).textContent.trim(),
      text: fold(Array.from(row.cells, (c, i) => (i === code ? "" : c.textContent)).join(" ")),
    }));

    /* Column sorts (header clicks) are part of the state too: "venue-asc", "first-author-desc". */
    const sorts = SORTS.slice();
    headers.forEach((th, i) => {
      const name = th.textContent.trim();
      for (const [dir, label] of [["asc", "ascending"], ["desc", "descending"]]) {
        const key = keys[i] + "-" + dir;
        if (!sorts.some(([k]) => k === key)) sorts.push([key, name + " (" + label + ")"]);
      }
    });

    const sorter = new Tablesort(table);
    let onSort = null;
    /* Tablesort keeps equal rows in the reverse of their current order; starting every sort from
       the reverse of the original order (newest first, then title) makes ties come out in it. */
    table.addEventListener("beforeSort", () => body.append(...rows.slice().reverse()));
    table.addEventListener("afterSort", () => {
      const th = sorter.current;
      if (!th || !onSort) return;
      onSort(keys[headers.indexOf(th)] + (th.getAttribute("aria-sort") === "descending" ? "-desc" : "-asc"));
    });

    return {
      items,
      sorts,
      place: wrapper,
      show() {},
      sort(key) {
        const match = /^(.*)-(asc|desc)$/.exec(key);
        const th = match && headers[keys.indexOf(match[1])];
        /* `current` is tablesort's record of the sorted header, used when the next one is clicked. */
        for (const h of headers) h.removeAttribute("aria-sort");
        sorter.current = undefined;
        if (key === DEFAULT_SORT || !th) {
          body.append(...rows);
          return;
        }
        th.setAttribute("aria-sort", match[2] === "desc" ? "descending" : "ascending");
        sorter.current = th;
        const listener = onSort;
        onSort = null; /* a sort we asked for is already in the state */
        sorter.sortTable(th, true);
        onSort = listener;
      },
      set onSort(callback) {
        onSort = callback;
      },
    };
  }

  /* ---------------------------------------------------------------- state and URL */

  function defaults() {
    return { text: "", from: "", to: "", venue: "", code: false, sort: DEFAULT_SORT };
  }

  function readState(search, choices) {
    const params = new URLSearchParams(search);
    const state = defaults();
    state.text = (params.get("text") || "").slice(0, 200);
    for (const key of ["from", "to"]) {
      const value = params.get(key) || "";
      if (choices.years.includes(value)) state[key] = value;
    }
    const venue = params.get("venue") || "";
    if (choices.venues.includes(venue)) state.venue = venue;
    state.code = params.get("code") === "1";
    const sort = params.get("sort") || "";
    if (choices.sorts.includes(sort)) state.sort = sort;
    return state;
  }

  function writeState(state) {
    const url = new URL(window.location.href);
    for (const key of PARAMS) url.searchParams.delete(key);
    if (state.text.trim()) url.searchParams.set("text", state.text);
    if (state.from) url.searchParams.set("from", state.from);
    if (state.to) url.searchParams.set("to", state.to);
    if (state.venue) url.searchParams.set("venue", state.venue);
    if (state.code) url.searchParams.set("code", "1");
    if (state.sort !== DEFAULT_SORT) url.searchParams.set("sort", state.sort);
    if (url.href !== window.location.href) {
      /* Keep Material's history state (it stores the scroll offset there). */
      window.history.replaceState(window.history.state, "", url.href);
    }
  }

  function matches(item, state) {
    if (state.from && item.year < +state.from) return false;
    if (state.to && item.year > +state.to) return false;
    if (state.venue && item.venue !== state.venue) return false;
    if (state.code && !item.code) return false;
    const words = fold(state.text).split(/\s+/).filter(Boolean);
    return words.every((word) => item.text.includes(word));
  }

  /* ---------------------------------------------------------------- the form */

  function field(labelText, control, modifier) {
    const id = "paper-filter-" + ++uid;
    control.id = id;
    const label = element("label", { htmlFor: id, textContent: labelText });
    const wrapper = element("div", { className: "paper-filters__field" + (modifier ? " paper-filters__field--" + modifier : "") });
    if (control.type === "checkbox") wrapper.append(control, label);
    else wrapper.append(label, control);
    return wrapper;
  }

  function select(options) {
    return element("select", {}, options.map(([value, text]) => element("option", { value, textContent: text })));
  }

  function setUp(listing) {
    const items = listing.items;
    const years = items.map((item) => item.year).filter((year) => !Number.isNaN(year));
    const yearChoices = [];
    for (let year = Math.min(...years); year <= Math.max(...years); year++) yearChoices.push(String(year));
    const venueCounts = new Map();
    for (const item of items) venueCounts.set(item.venue, (venueCounts.get(item.venue) || 0) + 1);
    const venues = Array.from(venueCounts.keys()).filter((v) => v !== NO_VENUE).sort(collator.compare);
    if (venueCounts.has(NO_VENUE)) venues.push(NO_VENUE);
    const venueLabel = (v) => (v === NO_VENUE ? "No venue listed" : v) + " (" + venueCounts.get(v) + ")";

    const text = element("input", { type: "search", name: "text", autocomplete: "off", spellcheck: false, placeholder: "Title, author, venue or tag" });
    const from = select([["", "Any"], ...yearChoices.map((y) => [y, y])]);
    const to = select([["", "Any"], ...yearChoices.map((y) => [y, y])]);
    const venue = select([["", "Any venue"], ...venues.map((v) => [v, venueLabel(v)])]);
    const code = element("input", { type: "checkbox", name: "code" });
    const sort = select(listing.sorts.slice(0, SORTS.length));
    const clear = element("button", { type: "button", className: "md-button paper-filters__clear", textContent: "Clear filters" });
    const status = element("p", { className: "paper-filters__status" });
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    const controls = element("div", { className: "paper-filters__controls", id: "paper-filter-" + ++uid }, [
      field("Search this list", text, "text"),
      field("From year", from, "year"),
      field("To year", to, "year"),
      field("Venue", venue, "venue"),
      field("Sort by", sort, "sort"),
      field("Only papers with code", code, "check"),
      clear,
    ]);
    /* On phones the controls start folded (unless the link already filters), so the first
       screen shows papers; the toggle is hidden by CSS on wider screens. */
    const toggle = element("button", { type: "button", className: "paper-filters__toggle", textContent: "Filter and sort" });
    toggle.setAttribute("aria-controls", controls.id);
    const form = element("form", { className: "paper-filters" }, [toggle, controls, status]);
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "Filter and sort these papers");
    form.addEventListener("submit", (event) => event.preventDefault());

    const choices = { years: yearChoices, venues, sorts: listing.sorts.map(([key]) => key) };
    let state = readState(window.location.search, choices);

    function setOpen(open) {
      controls.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
    }
    const narrow = window.matchMedia("(max-width: 44.9375em)").matches;
    setOpen(!narrow || JSON.stringify(state) !== JSON.stringify(defaults()));
    toggle.addEventListener("click", () => setOpen(controls.hidden));

    function ensureSortOption(key) {
      if (Array.from(sort.options).some((option) => option.value === key)) return;
      const known = listing.sorts.find(([k]) => k === key);
      if (known) sort.append(element("option", { value: key, textContent: known[1] }));
    }

    function render(options) {
      if (text.value !== state.text) text.value = state.text;
      from.value = state.from;
      to.value = state.to;
      venue.value = state.venue;
      code.checked = state.code;
      ensureSortOption(state.sort);
      sort.value = state.sort;
      if (!options || options.sort !== false) listing.sort(state.sort);
      let shown = 0;
      for (const item of items) {
        item.el.hidden = !matches(item, state);
        if (!item.el.hidden) shown++;
      }
      listing.show(state);
      const message = shown + " of " + items.length + " papers shown";
      if (status.textContent !== message) status.textContent = message;
      writeState(state);
    }

    function update(change, options) {
      state = Object.assign({}, state, change);
      if (state.from && state.to && +state.from > +state.to) {
        if ("from" in change) state.to = state.from;
        else state.from = state.to;
      }
      render(options);
    }

    text.addEventListener("input", () => update({ text: text.value }, { sort: false }));
    from.addEventListener("change", () => update({ from: from.value }, { sort: false }));
    to.addEventListener("change", () => update({ to: to.value }, { sort: false }));
    venue.addEventListener("change", () => update({ venue: venue.value }, { sort: false }));
    code.addEventListener("change", () => update({ code: code.checked }, { sort: false }));
    sort.addEventListener("change", () => update({ sort: sort.value }));
    clear.addEventListener("click", () => {
      state = defaults();
      render();
    });
    if ("onSort" in listing) listing.onSort = (key) => update({ sort: key }, { sort: false });

    listing.place.before(form);
    render();
  }

  /* Two Material components have a role but no accessible name (axe-core: aria-dialog-name,
     aria-progressbar-name). They live outside the swapped content, so naming them once is enough. */
  function nameMaterialWidgets() {
    for (const [selector, name] of [[".md-search[role=dialog]", "Search"], [".md-progress[role=progressbar]", "Loading page"]]) {
      const el = document.querySelector(selector);
      if (el && !el.hasAttribute("aria-label")) el.setAttribute("aria-label", name);
    }
  }

  function init() {
    nameMaterialWidgets();
    const article = document.querySelector("article");
    if (!article) return;
    for (const container of article.querySelectorAll(".paper-list, .paper-table")) {
      if (container.dataset.filters) continue;
      const listing = container.classList.contains("paper-table") ? paperTable(container) : paperList(container);
      if (!listing || !listing.items.length) continue;
      container.dataset.filters = "on";
      setUp(listing);
    }
  }

  if (typeof window.document$ !== "undefined" && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
