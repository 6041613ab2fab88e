// Building DOM without HTML parsing. Everything that came from a capture
// (header names and values, paths, payloads, messages) is hostile: it only
// ever reaches the page as a Text node or textContent, never as markup.
// Text also goes through `visible()`: control and bidi characters show as
// symbols instead of acting on the page's text.
// No module of the inspector uses innerHTML, outerHTML, insertAdjacentHTML
// or document.write (tests/browser/security.test.mjs checks the sources),
// and the Content-Security-Policy enables Trusted Types so the browser
// itself refuses those sinks.

import { visible } from './format';

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (e: Event) => void;

export interface Props {
  class?: string;
  id?: string;
  title?: string;
  role?: string;
  tabindex?: number;
  type?: string;
  hidden?: boolean;
  disabled?: boolean;
  value?: string;
  checked?: boolean;
  name?: string;
  placeholder?: string;
  for?: string;
  /** aria-* and data-* attributes, without the prefix. */
  aria?: Record<string, string>;
  data?: Record<string, string | number>;
  style?: Partial<CSSStyleDeclaration>;
  on?: Partial<Record<keyof HTMLElementEventMap, Handler>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) applyProps(el, props);
  append(el, children);
  return el;
}

function applyProps(el: HTMLElement, p: Props): void {
  if (p.class) el.className = p.class;
  if (p.id) el.id = p.id;
  if (p.title !== undefined) el.title = p.title;
  if (p.role) el.setAttribute('role', p.role);
  if (p.tabindex !== undefined) el.tabIndex = p.tabindex;
  if (p.hidden) el.hidden = true;
  if (p.type !== undefined) el.setAttribute('type', p.type);
  if (p.disabled) (el as HTMLButtonElement).disabled = true;
  if (p.value !== undefined) (el as HTMLInputElement).value = p.value;
  if (p.checked !== undefined) (el as HTMLInputElement).checked = p.checked;
  if (p.name !== undefined) el.setAttribute('name', p.name);
  if (p.placeholder !== undefined) el.setAttribute('placeholder', p.placeholder);
  if (p.for !== undefined) el.setAttribute('for', p.for);
  for (const [k, v] of Object.entries(p.aria ?? {})) el.setAttribute(`aria-${k}`, v);
  for (const [k, v] of Object.entries(p.data ?? {})) el.dataset[k] = String(v);
  if (p.style) Object.assign(el.style, p.style);
  for (const [event, handler] of Object.entries(p.on ?? {})) {
    if (handler) el.addEventListener(event, handler as EventListener);
  }
}

/** Appends children: strings and numbers become Text nodes. */
export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(visible(String(c))));
  }
}

/** Replaces every child of `el`. */
export function replace(el: Node, ...children: Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

export function button(label: Child, onClick: (e: MouseEvent) => void, props: Props = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...props, on: { ...props.on, click: onClick as Handler } }, label);
}

/** Saves a Blob as a download (no network: an object URL of local data). */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { style: { display: 'none' } });
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
