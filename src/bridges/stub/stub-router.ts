/**
 * The `stub` router type (docs/bridges.md "The stub bridge"): a bridge that reaches no upstream,
 * for tests and demos of the registration API, as autopush's stub router. App id `success`
 * accepts every message, `error` fails every one (502); a device token `unregistered` behaves as
 * a token the upstream forgot (410, and the user is removed).
 */
import { ApiError } from '../../errors/api-error.js';
import type { Notification } from '../../protocol/notification.js';
import type { RouterData } from '../../storage/store.js';
import type { BridgeRouter } from '../bridge-router.js';
import type { RegistrationInput } from '../registration-input.js';
import { BridgeFailure } from '../upstream-failure.js';

const APP_IDS = new Set(['success', 'error']);

export class StubRouter implements BridgeRouter {
  readonly platform = 'stub' as const;
  /** How many messages were accepted; a demo can show it. */
  sent = 0;

  register(appId: string, input: RegistrationInput): RouterData {
    if (!APP_IDS.has(appId)) throw new ApiError('unknown-app-id', `Unknown app id for the stub router: use "success" or "error"`);
    return { token: input.token, app_id: appId };
  }

  send(routerData: RouterData, _notification: Notification): Promise<void> {
    if (routerData.app_id === 'error') return Promise.reject(new BridgeFailure('unavailable', 'the stub bridge fails every message of app id "error"'));
    if (routerData.token === 'unregistered') return Promise.reject(new BridgeFailure('unregistered', 'the stub bridge forgot this token'));
    this.sent++;
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
