/**
 * A storage DSN as it may be shown (banner, logs, errors): any password, in the authority
 * (`redis://:secret@host`, `postgres://user:secret@host`) or in the query (`?password=secret`),
 * replaced by `***`. Works on strings that are not valid URLs too (they still reach error messages).
 */
export function redactDsn(dsn: string): string {
  return dsn
    .replace(/(\/\/[^/?#@:,]*):[^@/?#]*@/g, '$1:***@')
    .replace(/([?&;](?:password|pass|pwd|passwd)=)[^&;#]*/gi, '$1***');
}
