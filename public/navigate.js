// Moving between Plinth's pages without reloading them.
//
// Every page is complete HTML from the server and works without this file.
// With it, a click on a link to another Plinth page, or a GET form sent
// (the filters), fetches that page's HTML and swaps it into the document,
// then hydrates the islands in it: the interactive parts, compiled to
// WebAssembly. Anything unusual (another origin, a new tab, a download, a
// POST, a failed fetch) falls back to what the browser would do.
(() => {
  let navigation = 0;
  // The page on screen, without its #fragment: moving to a fragment of it
  // (the skip link) is the browser's business, not a navigation.
  let rendered = window.location.pathname + window.location.search;

  function sameOrigin(url) {
    return url.origin === window.location.origin;
  }

  async function go(url, { push = true, scroll = true, refocus = null } = {}) {
    const current = ++navigation;
    let response;
    try {
      response = await fetch(url, { headers: { Accept: 'text/html' } });
    } catch {
      window.location.assign(url);
      return;
    }
    const type = response.headers.get('content-type') || '';
    if (!type.startsWith('text/html')) {
      window.location.assign(url);
      return;
    }
    const html = await response.text();
    if (current !== navigation) return; // a later navigation won
    const next = new DOMParser().parseFromString(html, 'text/html');
    document.title = next.title;
    const theme = next.documentElement.getAttribute('data-theme');
    if (theme) document.documentElement.setAttribute('data-theme', theme);
    document.body.replaceChildren(...next.body.childNodes);
    const finalUrl = response.redirected ? response.url : url.toString();
    if (push) window.history.pushState({ plinth: true }, '', finalUrl);
    const shown = new URL(finalUrl, document.baseURI);
    rendered = shown.pathname + shown.search;
    if (scroll) window.scrollTo(0, 0);
    hydrateIslands();
    // Keyboard users keep their place: a filter field keeps the focus; a new
    // page puts it on its heading.
    const field = refocus && document.querySelector(refocus);
    const focus = field || (scroll && document.querySelector('h1'));
    if (focus) {
      if (!field) focus.setAttribute('tabindex', '-1');
      focus.focus({ preventScroll: true });
    }
  }

  /** A selector that finds the same field in the next page's form. */
  function fieldSelector(form) {
    const active = document.activeElement;
    if (!active || active.form !== form || !active.name) return null;
    return `form[action="${CSS.escape(form.getAttribute('action') || '')}"] [name="${CSS.escape(active.name)}"]`;
  }

  function hydrateIslands() {
    if (!window.__hydrateIsland) return; // the WebAssembly is still loading
    for (const island of document.body.querySelectorAll('leptos-island')) {
      window.__hydrateIsland(island, island.dataset.component);
    }
  }

  window.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!link || link.target || link.hasAttribute('download')) return;
    if ((link.getAttribute('rel') || '').split(/\s+/).includes('external')) return;
    const url = new URL(link.href, document.baseURI);
    if (!sameOrigin(url) || url.pathname.startsWith('/api/')) return;
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return;
    event.preventDefault();
    go(url);
  });

  window.addEventListener('submit', (event) => {
    if (event.defaultPrevented) return;
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== 'get') return;
    const url = new URL(form.action, document.baseURI);
    if (!sameOrigin(url)) return;
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form, event.submitter)) {
      // Empty fields are no filter: leave them out of the address.
      if (typeof value === 'string' && value !== '') params.append(name, value);
    }
    url.search = params.toString();
    event.preventDefault();
    go(url, { scroll: false, refocus: fieldSelector(form) });
  });

  window.addEventListener('popstate', () => {
    const url = new URL(window.location.href);
    if (url.pathname + url.search === rendered) return;
    go(url, { push: false, scroll: false });
  });
})();
