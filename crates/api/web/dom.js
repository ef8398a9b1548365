// Building DOM safely: every piece of text goes in as a text node, never as HTML.

/**
 * Creates an element. `props` sets properties (className, id, type, value, hidden...), with
 * two special keys: `attrs` for attributes (aria-*, data-*, for) and `on` for listeners.
 * Children are nodes or strings (strings become text nodes); null/false are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { attrs, on, ...rest } = props;
  Object.assign(node, rest);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const [type, handler] of Object.entries(on ?? {})) node.addEventListener(type, handler);
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** The element with this id (throws early if the page and the script disagree). */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node;
}

const rendered = new WeakMap();

/**
 * Renders `data` into `node` with `render(node, data)` only when the data differs from the
 * last render, so the 60-second refresh does not move keyboard focus or scroll for nothing.
 */
export function renderIfChanged(node, data, render) {
  const key = JSON.stringify(data);
  if (rendered.get(node) === key) return;
  rendered.set(node, key);
  render(node, data);
}

/** Forgets what `renderIfChanged` drew into `node` (for a forced re-render). */
export const forget = (node) => rendered.delete(node);

/** A paragraph for a loading, empty or error state inside a panel. */
export function stateMessage(kind, ...text) {
  return el('p', { className: `state state--${kind}`, attrs: { role: kind === 'error' ? 'alert' : null } }, ...text);
}

/** A definition list from [term, value] pairs, skipping pairs whose value is null. */
export function definitionList(pairs, className = 'facts') {
  return el('dl', { className },
    pairs.filter(([, value]) => value !== null && value !== undefined)
      .map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));
}

/** A table with a caption, column headers and rows of cells (strings or nodes). */
export function table({ caption, columns, rows, className = 'data', captionHidden = false }) {
  return el('table', { className },
    caption && el('caption', { className: captionHidden ? 'visually-hidden' : '' }, caption),
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { attrs: { scope: 'col' }, className: c.numeric ? 'num' : '' }, c.label)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((cell, i) => el('td', {
      className: columns[i].numeric ? 'num' : '',
      attrs: { 'data-label': columns[i].label },
    }, cell))))));
}

/** Offers a Blob to the user as a file download (through a short-lived blob: URL). */
export function saveBlob(blob, filename) {
  const href = URL.createObjectURL(blob);
  const link = el('a', { href, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
