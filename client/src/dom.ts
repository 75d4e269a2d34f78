/** Tiny DOM helpers. */

/** The element matching `sel` under `root` (throws when missing: a bug in the template). */
export function $(root: ParentNode, sel: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
}

const last = new WeakMap<Element, string>();
/** Sets innerHTML only when it changed (keeps hover, focus and clicks stable between patches). */
export function setHtml(el: Element, html: string): void {
  if (last.get(el) === html) return;
  last.set(el, html);
  el.innerHTML = html;
}

/** Coalesces many calls in one task into one call of `fn`. */
export function batched(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      fn();
    }, 0);
  };
}
