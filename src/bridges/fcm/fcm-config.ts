/**
 * `--fcm-credentials` (autopush `AUTOEND__FCM__CREDENTIALS`): `{"<app_id>": {"project_id",
 * "credential", "is_gcm"?}}`, read once at start into one service account per app id.
 */
import { BridgeConfigError } from '../bridge-config-error.js';
import { parseServiceAccount, type ServiceAccount } from './service-account.js';

export interface FcmApp {
  projectId: string;
  account: ServiceAccount;
}

const SETTING = '--fcm-credentials';

/** @throws BridgeConfigError naming the setting and the app id. */
export function parseFcmCredentials(text: string): Map<string, FcmApp> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new BridgeConfigError(SETTING, 'is not valid JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new BridgeConfigError(SETTING, 'must be a JSON object {"<app_id>": {...}}');
  const apps = new Map<string, FcmApp>();
  for (const [appId, entry] of Object.entries(doc as Record<string, unknown>)) {
    const where = `app "${appId}"`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new BridgeConfigError(SETTING, `${where} must be an object {"project_id": …, "credential": …}`);
    const e = entry as Record<string, unknown>;
    let account: ServiceAccount;
    try {
      account = parseServiceAccount(e.credential);
    } catch (err) {
      throw new BridgeConfigError(SETTING, `${where}: ${(err as Error).message}`);
    }
    const projectId = typeof e.project_id === 'string' && e.project_id !== '' ? e.project_id : account.projectId;
    if (projectId === undefined) throw new BridgeConfigError(SETTING, `${where} needs a project_id`);
    apps.set(appId, { projectId, account });
  }
  return apps;
}
