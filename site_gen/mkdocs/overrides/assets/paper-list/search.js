/*
 * Search with Pagefind in Material's search box (../../partials/search-pagefind.html).
 *
 * Pagefind's index (site/pagefind/, written by `make site` after `mkdocs build`) is split into
 * small chunks: a query downloads Pagefind's script and WebAssembly once, then only the chunks of
 * its words and the fragments of the results shown, never the whole list as Material's built-in
 * search does. Nothing loads until the search box gets focus.
 *
 * The markup, classes and keys are Material's, so it looks and works like the rest of the site:
 * `/`, `s` or `f` opens search; typing searches; ArrowDown/ArrowUp move through the results;
 * Enter on the query opens the first (best) result; Escape closes, and so does Tab out of the
 * search box; `?q=` opens search with a query. The filters (category, tag, year, venue: what
 * paper pages mark with data-pagefind-filter) narrow the results, with or without a query; their
 * values load when the reader opens them. `?q=...&category=...&tag=...&year=...&venue=...` opens
 * search with that query and those filters, and "Link to this search" is that link. The first 5 results show as soon as they load, then up to 10, then 10 more each
 * time the list is scrolled to its end.
 *
 * Text from the index is written with textContent; Pagefind's excerpts (HTML-escaped text with
 * <mark>) are rebuilt from their text and <mark> elements only, so nothing is parsed into the page.
 * When Material's own search is on (MKDOCS_BUILTIN_SEARCH=true), this script finds no Pagefind box and does nothing.
 */
(function () {
  "use strict";

  const root = document.querySelector("[data-md-search-engine=pagefind]");
  if (!root) return;

  const FIRST = 5;                  /* results shown first: one round of requests (6 per host) */
  const PAGE = 10;                  /* then up to 10, and 10 more each time the list scrolls to its end */
  const PAUSE_MS = 30;              /* a query runs after this pause in typing ... */
  const SHORT_QUERY_PAUSE_MS = 250; /* ... a one-letter query after this one */

  const config = JSON.parse(document.getElementById("__config").textContent);
  /* The site's root, absolute: correct on every page and under a sub-path (PR previews). */
  const base = new URL(config.base.replace(/\/?$/, "/"), location.href);
  const translations = config.translations || {};
  const toggle = document.querySelector("[data-md-toggle=search]");
  const input = root.querySelector("[data-md-search-query]");
  const form = input.form;
  const meta = root.querySelector(".md-search-result__meta");
  const list = root.querySelector(".md-search-result__list");
  const scrollwrap = root.querySelector(".md-search__scrollwrap");
  const filterToggle = root.querySelector(".paper-search-filters__toggle");
  const filterFields = root.querySelector(".paper-search-filters__fields");
  const selects = Array.from(root.querySelectorAll("select[data-filter]"));
  const searchLink = root.querySelector(".paper-search-filters__link");
  const FILTERS = selects.map((select) => select.dataset.filter);

  let engine = null;        /* Promise of the initialised Pagefind module */
  let generation = 0;       /* the latest query; older answers are dropped */
  let current = null;       /* {results, terms, shown} of the list on screen */
  let openFirst = false;    /* Enter was pressed before the results arrived */
  let filterValues = null;  /* Promise of the filter options, once the filters were opened */

  function t(key, fallback) {
    return translations[key] || fallback;
  }

  function load() {
    if (!engine) {
      engine = import(new URL("pagefind/pagefind.js", base).href).then(async (pagefind) => {
        await pagefind.options({ baseUrl: base.pathname });
        await pagefind.init();
        return pagefind;
      });
      engine.catch(() => {
        engine = null;
        meta.textContent = "Search is not available: its index did not load (a site built without `make site` has none).";
      });
    }
    return engine;
  }

  function setOpen(open) {
    if (toggle.checked !== open) toggle.click();  /* Material listens to this checkbox */
  }

  /* The filters chosen, as Pagefind takes them: {category: "Agents", year: "2024"}. */
  function chosenFilters() {
    const chosen = {};
    for (const select of selects) if (select.value) chosen[select.dataset.filter] = select.value;
    return chosen;
  }

  /* Each filter's values with their number of papers: years newest first, the others A-Z. */
  function loadFilters() {
    if (!filterValues) {
      filterValues = load().then((pagefind) => pagefind.filters()).then((all) => {
        for (const select of selects) {
          const name = select.dataset.filter;
          const values = Object.entries(all[name] || {});
          values.sort(name === "year" ? (a, b) => b[0].localeCompare(a[0]) : (a, b) => a[0].localeCompare(b[0]));
          select.append(...values.map(([value, count]) => new Option(`${value} (${count})`, value)));
          select.closest("label").hidden = values.length === 0;
        }
      });
      filterValues.catch(() => { filterValues = null; });
    }
    return filterValues;
  }

  function showFilters() {
    filterToggle.setAttribute("aria-expanded", "true");
    filterFields.hidden = false;
    return loadFilters();
  }

  /* The link to this search: the home page with the query and the filters in its address. */
  function updateSearchLink(query) {
    const link = new URL(base);
    if (query.trim()) link.searchParams.set("q", query.trim());
    for (const [name, value] of Object.entries(chosenFilters())) link.searchParams.set(name, value);
    searchLink.href = link.href;
    searchLink.hidden = link.search === "";
  }

  function showCount(count) {
    if (count === 0) meta.textContent = t("search.result.none", "No matching documents");
    else if (count === 1) meta.textContent = t("search.result.one", "1 matching document");
    else meta.textContent = t("search.result.other", "# matching documents").replace("#", String(count));
  }

  /* The query's words, lower case, for marking them in titles. */
  function queryTerms(query) {
    return query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  /* Append `text` to `parent`, with the words that start with a query term in <mark>. */
  function appendMarked(parent, text, terms) {
    if (!terms.length) {
      parent.append(text);
      return;
    }
    const pattern = new RegExp("(^|[^\\p{L}\\p{N}])(" + terms.map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") + ")", "giu");
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const start = match.index + match[1].length;
      parent.append(text.slice(last, start));
      const mark = document.createElement("mark");
      mark.textContent = match[2];
      parent.append(mark);
      last = start + match[2].length;
    }
    parent.append(text.slice(last));
  }

  /* Pagefind's excerpt is escaped text with <mark> around the hits: keep only those two. */
  function excerptNodes(html) {
    const template = document.createElement("template");
    template.innerHTML = html;  /* inert: nothing in a template runs or loads */
    const out = document.createDocumentFragment();
    for (const node of template.content.childNodes) {
      if (node.nodeName === "MARK") {
        const mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.append(mark);
      } else {
        out.append(node.textContent);
      }
    }
    return out;
  }

  function renderItem(data, terms) {
    const item = document.createElement("li");
    item.className = "md-search-result__item";
    const link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = new URL(data.url, location.href).href;
    link.tabIndex = -1;
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const icon = document.createElement("div");
    icon.className = "md-search-result__icon md-icon";
    const title = document.createElement("h1");
    appendMarked(title, (data.meta && data.meta.title) || data.url, terms);
    const teaser = document.createElement("p");
    teaser.append(excerptNodes(data.excerpt || ""));
    article.append(icon, title, teaser);
    link.append(article);
    item.append(link);
    return item;
  }

  async function showMore(mine, count = PAGE) {
    const state = current;
    if (!state || state.loading || state.shown >= state.results.length) return;
    state.loading = true;
    const batch = state.results.slice(state.shown, state.shown + count);
    const data = await Promise.all(batch.map((result) => result.data()));
    state.loading = false;
    if (mine !== generation) return;
    state.shown += batch.length;
    list.append(...data.map((entry) => renderItem(entry, state.terms)));
    if (state.shown < state.results.length) more.observe(list.lastElementChild);
  }

  /* More results when the last one shown scrolls into view (also when reached with the arrow keys). */
  const more = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      more.disconnect();
      showMore(generation);
    }
  }, { root: scrollwrap, rootMargin: "0px 0px 200px 0px" });

  /* Search as the reader types, like Material: a query runs after a short pause in typing (any
     pause between two keystrokes of a person), or as soon as the query before it has finished;
     the latest typed wins, older ones are dropped before their results load. Pagefind matches the
     last word as a prefix, so the index chunks of what is typed are fetched (preload) while
     typing goes on. A lone first letter waits for a longer pause: it matches so many words that
     the search would fetch and scan a large part of the index. */
  let running = false;
  let pending = null;
  let pause = 0;

  function search(query) {
    const mine = ++generation;
    clearTimeout(pause);
    more.disconnect();
    updateSearchLink(query);
    const filtered = Object.keys(chosenFilters()).length > 0;
    /* Busy from now until this search's results are on screen (assistive technology waits). */
    list.setAttribute("aria-busy", "true");
    if (!query.trim() && !filtered) {
      list.removeAttribute("aria-busy");
      current = null;
      list.replaceChildren();
      meta.textContent = t("search.result.placeholder", "Type to start searching");
      return;
    }
    const short = query.trim().length < 2 && !filtered;
    if (query.trim().length >= 2) load().then((pagefind) => pagefind.preload(query), () => {});
    pause = setTimeout(() => schedule(query, mine), short ? SHORT_QUERY_PAUSE_MS : PAUSE_MS);
  }

  function schedule(query, mine) {
    if (running) {
      pending = [query, mine];
      return;
    }
    running = true;
    run(query, mine).catch(() => {}).finally(() => {
      running = false;
      if (pending) {
        const [next, nextMine] = pending;
        pending = null;
        if (nextMine === generation) schedule(next, nextMine);
      }
    });
  }

  async function run(query, mine) {
    const pagefind = await load();
    /* With filters and no words, every page that the filters match (Pagefind's null search). */
    const found = await pagefind.search(query.trim() ? query : null, { filters: chosenFilters() });
    if (mine !== generation) return;  /* typed on meanwhile: skip this query's fragments */
    const data = await Promise.all(found.results.slice(0, FIRST).map((result) => result.data()));
    if (mine !== generation) return;
    current = { results: found.results, terms: queryTerms(query.trim()), shown: data.length, loading: false };
    showCount(found.results.length);
    list.replaceChildren(...data.map((entry) => renderItem(entry, current.terms)));
    list.removeAttribute("aria-busy");
    scrollwrap.scrollTop = 0;
    if (openFirst) {
      openFirst = false;
      const first = list.querySelector("a");
      if (first) first.click();
      return;
    }
    showMore(mine, PAGE - FIRST);  /* not awaited: the next query need not wait for these */
  }

  function resultLinks() {
    return Array.from(list.querySelectorAll("a[href]"));
  }

  function editable(el) {
    return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement
      || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable);
  }

  input.addEventListener("focus", () => {
    /* After the current event: a tap on the header's magnifier (a label of the toggle) focuses
       the box first and checks the toggle afterwards. */
    setTimeout(() => {
      if (document.activeElement === input) setOpen(true);
    });
    load();  /* Pagefind's script and metadata load while the reader types */
  });
  input.addEventListener("input", () => {
    openFirst = false;
    search(input.value);
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  filterToggle.addEventListener("click", () => {
    if (filterFields.hidden) showFilters();
    else {
      filterFields.hidden = true;
      filterToggle.setAttribute("aria-expanded", "false");
    }
  });
  for (const select of selects) select.addEventListener("change", () => search(input.value));
  form.addEventListener("reset", () => {
    setTimeout(() => {
      search("");
      input.focus();
    });
  });
  /* The magnifier in the header: on phones the box is hidden until it is tapped. */
  const label = document.querySelector("header [for=__search]");
  if (label) label.addEventListener("click", () => {
    if (!toggle.checked) input.focus();
  });
  /* A click on a result closes search (instant navigation keeps this page's header). */
  list.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("a")) setOpen(false);
  });

  function reveal() {
    list.hidden = !toggle.checked;
    list.setAttribute("role", toggle.checked ? "list" : "presentation");
  }
  toggle.addEventListener("change", reveal);
  reveal();

  window.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey || event.isComposing) return;
    const active = document.activeElement;
    if (!toggle.checked) {
      if (editable(active)) return;
      if (event.key === "/" || event.key === "s" || event.key === "f") {
        event.preventDefault();
        input.focus();
        input.select();
      }
      return;
    }
    /* A list of options keeps its own keys (arrows, type-ahead, Enter). */
    if (active instanceof HTMLSelectElement && event.key !== "Escape" && event.key !== "Tab") return;
    switch (event.key) {
      case "Enter":
        if (active === input) {
          event.preventDefault();
          const first = list.querySelector("a");
          if (first && current) first.click();
          else openFirst = true;
        }
        break;
      case "Escape":
        setOpen(false);
        input.blur();
        break;
      case "Tab":
        /* Tab moves on to the filters; out of the search box, it closes search. */
        setTimeout(() => {
          if (!root.contains(document.activeElement)) setOpen(false);
        });
        break;
      case "ArrowUp":
      case "ArrowDown": {
        const items = [input, ...resultLinks()];
        const index = Math.max(0, items.indexOf(active));
        const next = (index + items.length + (event.key === "ArrowUp" ? -1 : 1)) % items.length;
        items[next].focus();
        /* Reaching the last result loads more at once: keys held down can move on (and wrap to
           the query) before the list's scrolling is observed. */
        if (next === items.length - 1) showMore(generation);
        event.preventDefault();
        break;
      }
      default:
        if (active !== input && event.key.length === 1) input.focus();
    }
  });

  /* Deep link: ?q=words opens search with that query, like Material's, and ?category= (tag, year,
     venue) with those filters. */
  const params = new URL(location.href).searchParams;
  const query = params.get("q") || "";
  const linked = FILTERS.filter((name) => params.get(name));
  if (query || linked.length) {
    input.value = query;
    input.focus();
    if (linked.length) {
      showFilters().then(() => {
        for (const select of selects) {
          const value = params.get(select.dataset.filter);
          if (value) {
            if (!Array.from(select.options).some((option) => option.value === value)) select.append(new Option(value, value));
            select.value = value;
          }
        }
        search(query);
      }, () => search(query));
    } else {
      search(query);
    }
  }
})();
