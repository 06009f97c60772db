/**
 * The `aps` dictionary of an APNs notification (docs/bridges.md "APNs"). autopush sends a default
 * alert that the Firefox iOS notification extension replaces after decrypting the body
 * (`mutable-content`); an app may register its own texts and localisation keys instead, which
 * are checked at registration so a push never meets a bad one.
 */
import { ApiError } from '../../errors/api-error.js';

/** Registration keys that go into `aps.alert`, and their APNs names. */
const ALERT_KEYS: Readonly<Record<string, { name: string; list: boolean }>> = {
  title: { name: 'title', list: false },
  subtitle: { name: 'subtitle', list: false },
  body: { name: 'body', list: false },
  title_loc_key: { name: 'title-loc-key', list: false },
  title_loc_args: { name: 'title-loc-args', list: true },
  action_loc_key: { name: 'action-loc-key', list: false },
  loc_key: { name: 'loc-key', list: false },
  loc_args: { name: 'loc-args', list: true },
  launch_image: { name: 'launch-image', list: false },
};

export const DEFAULT_APS = Object.freeze({
  alert: { 'title-loc-key': 'SentTab.NoTabArrivingNotification.title', 'loc-key': 'SentTab.NoTabArrivingNotification.body' },
  'mutable-content': 1,
});

/**
 * The `aps` for a registered dictionary (or the default for none).
 * @throws ApiError `invalid-aps` for a value of the wrong type.
 */
export function buildAps(registered: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const alert: Record<string, unknown> = { ...DEFAULT_APS.alert };
  const aps: Record<string, unknown> = { alert, 'mutable-content': 1 };
  if (registered === undefined) return aps;
  for (const [key, value] of Object.entries(registered)) {
    const spec = ALERT_KEYS[key];
    if (spec !== undefined) {
      const ok = spec.list ? Array.isArray(value) && value.every((v) => typeof v === 'string') : typeof value === 'string';
      if (!ok) throw new ApiError('invalid-aps', `aps.${key} must be ${spec.list ? 'a list of strings' : 'a string'}`);
      alert[spec.name] = value;
    } else if (key === 'mutable-content') {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new ApiError('invalid-aps', 'aps.mutable-content must be an integer');
      if (value === 0) delete aps['mutable-content'];
    }
    // Other keys are ignored, as autopush ignores them.
  }
  return aps;
}
