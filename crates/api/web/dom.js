// Building DOM safely: every piece of text goes in as a text node, never as HTML.

/**
 * Creates an element. `props` sets properties (className, id, type, hidden...), except `attrs`
 * (attributes: aria-*, data-*) and `on` (listeners). Children are nodes or strings (made text
 * nodes); null, undefined and false are skipped, arrays flattened.
 */
export function el(tag, props = {}, ...children) {
  const { attrs = {}, on = {}, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const [type, handler] of Object.entries(on)) node.addEventListener(type, handler);
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Replaces the children of `node` (same children rules as `el`). */
export function replace(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
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
 * Calls `render(node, data)` only when `data` differs from the last render into `node`, so the
 * 60-second refresh neither moves keyboard focus nor re-announces live regions for nothing.
 */
export function renderIfChanged(node, data, render) {
  const key = JSON.stringify(data);
  if (rendered.get(node) === key) return;
  rendered.set(node, key);
  render(node, data);
}

/** A loading, empty or error message inside a panel. */
export const stateMessage = (kind, ...text) =>
  el('p', { className: `state state--${kind}`, attrs: { role: kind === 'error' ? 'alert' : null } }, ...text);

/**
 * That `what` could not be loaded, and why: the ApiError's message, which is the problem's
 * `detail` when the API answered with problem+json.
 */
export const errorMessage = (what, error) => stateMessage('error', `${what} could not be loaded: ${error.message}`);

/** Shows errorMessage() in a panel `node` (drawn with renderIfChanged, like its data). */
export const renderError = (node, what, error) =>
  renderIfChanged(node, { error: error.message }, () => replace(node, errorMessage(what, error)));

/** A <dl> from [term, value] pairs, leaving out pairs whose value is null. */
export const definitionList = (pairs) => el('dl', { className: 'facts' },
  pairs.filter(([, value]) => value !== null && value !== undefined)
    .map(([term, value]) => el('div', {}, el('dt', {}, term), el('dd', {}, value))));

/**
 * A table: columns are {label, numeric}, rows arrays of cells (strings or nodes). Each cell
 * carries its column's label (`data-label`) for the card layout on phones.
 */
export const table = ({ caption, columns, rows, className = '' }) => el('table', { className },
  caption && el('caption', {}, caption),
  el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', className: c.numeric ? 'num' : '' }, c.label)))),
  el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((cell, i) => el('td', {
    className: columns[i].numeric ? 'num' : '', attrs: { 'data-label': columns[i].label },
  }, cell))))));

/** Offers a Blob as a file download, through a short-lived blob: URL. */
export function saveBlob(blob, filename) {
  const href = URL.createObjectURL(blob);
  const link = el('a', { href, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
