// Elements are built with properties and text nodes, never from HTML strings, so data cannot inject markup.

const SVG = ['svg', 'polyline', 'line', 'text', 'title', 'desc', 'g', 'path', 'rect', 'circle'];

/** An element (SVG ones in the SVG namespace): on* attributes become listeners, the rest properties or attributes. */
export function h(tag, attrs, ...children) {
  const svg = SVG.includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'style') Object.assign(el.style, value);
    else if (name === 'class') el.setAttribute('class', value);
    else if (!svg && name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nested arrays flattened; null, undefined and false skipped; anything else as text). */
export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
