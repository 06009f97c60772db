/**
 * The parameter headers of Web Push: `Crypto-Key` and `Encryption` (draft-ietf-httpbis-encryption-
 * encoding-03 §3-4, docs/protocol.md#vapid): comma-separated sections of `;`-separated
 * `name=value` pairs, values possibly quoted.
 */

/** Each comma-separated section as a map of lowercased names to unquoted values. */
export function parseParamHeader(header: string): Array<Record<string, string>> {
  return header.split(',').map((section) => {
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const pair of section.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim().toLowerCase();
      const value = pair.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (name !== '' && !Object.hasOwn(params, name)) params[name] = value;
    }
    return params;
  });
}

/** The first value of `name` in any section, or undefined. */
export function findParam(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const section of parseParamHeader(header)) {
    const value = section[name];
    if (value !== undefined) return value;
  }
  return undefined;
}
