/**
 * How deeply a JSON text nests, read from the text before it is parsed. `JSON.parse` accepts any
 * depth, but later recursive work on the value (`JSON.stringify` of a stored command, zod) runs
 * out of stack at a few thousand levels and the request ended in a 500; the accounts plugin
 * refuses such a body up front with `invalid-json` (400). One pass, no recursion, no allocation.
 */

/** Whether `text` opens more than `max` arrays or objects inside one another. */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}
