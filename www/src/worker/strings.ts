// Interned byte strings. Captures repeat the same names and values
// millions of times; each distinct one is kept once and referred to by id.

import type { Octets } from '../engine/schema';

export class Strings {
  private readonly text = new Map<string, number>();
  private readonly binary = new Map<string, number>();
  readonly list: Octets[] = [];

  id(o: Octets): number {
    if (typeof o === 'string') {
      let id = this.text.get(o);
      if (id === undefined) {
        id = this.list.length;
        this.list.push(o);
        this.text.set(o, id);
      }
      return id;
    }
    let id = this.binary.get(o.hex);
    if (id === undefined) {
      id = this.list.length;
      this.list.push({ text: o.text, hex: o.hex });
      this.binary.set(o.hex, id);
    }
    return id;
  }

  get(id: number): Octets {
    return this.list[id]!;
  }

  /** Display text of string `id`. */
  display(id: number): string {
    const o = this.list[id]!;
    return typeof o === 'string' ? o : o.text;
  }
}

/** True when `o` is the binding's `{ text, hex }` form of non-UTF-8 bytes. */
export function isOctets(o: unknown): o is Octets {
  if (typeof o === 'string') return true;
  if (o === null || typeof o !== 'object') return false;
  const keys = Object.keys(o);
  return (
    keys.length === 2 &&
    typeof (o as { text?: unknown }).text === 'string' &&
    typeof (o as { hex?: unknown }).hex === 'string'
  );
}
