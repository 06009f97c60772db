/**
 * The text form of a rate limit setting: `<per second>:<burst>` (fractions allowed for the rate,
 * e.g. `0.5:20`), or `0` for none. Validated in load-settings.ts, parsed in src/abuse/rate-limit.ts.
 */
export const RATE_LIMIT_FORMAT = /^(0|\d+(\.\d+)?:\d+)$/;
