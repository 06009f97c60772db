/**
 * The push events of the account (docs/device-messages.md#account-push-events): payload
 * `{version: 1, command, data?}` and the push TTL each is sent with. Receivers must ignore
 * commands they do not know, so names and the version stay stable.
 */

const HOUR = 3600;

export interface AccountEvent {
  command: string;
  data?: Record<string, unknown>;
  /** Push TTL in seconds. */
  ttl: number;
}

export const accountEvents = {
  /** To every other device when a device registers. TTL 0: only devices online now hear it. */
  deviceConnected: (deviceName: string): AccountEvent => ({ command: 'fxaccounts:device_connected', data: { deviceName }, ttl: 0 }),
  /** To every device, the removed one included: a device that sees its own id drops its tokens. */
  deviceDisconnected: (id: string): AccountEvent => ({ command: 'fxaccounts:device_disconnected', data: { id }, ttl: 5 * HOUR }),
  /** To every device when the profile (display name) changed. */
  profileUpdated: (): AccountEvent => ({ command: 'fxaccounts:profile_updated', ttl: 0 }),
  /** To every device when the password was changed (the other sessions were signed out). */
  passwordChanged: (): AccountEvent => ({ command: 'fxaccounts:password_changed', ttl: 6 * HOUR }),
  /**
   * To every device when the password was reset: every session was signed out, and unless a
   * recovery key kept them, the account's end-to-end keys are new (devices sign in again and
   * publish new Send Tab keys).
   */
  passwordReset: (keysKept: boolean): AccountEvent => ({ command: 'fxaccounts:password_reset', data: { keysKept }, ttl: 6 * HOUR }),
  /** To every device when the account is deleted. */
  accountDestroyed: (uid: string): AccountEvent => ({ command: 'fxaccounts:account_destroyed', data: { uid }, ttl: 5 * HOUR }),
  /** To the target of a device command (docs/device-messages.md#device-commands-send-tab). `sender` is always a string. */
  commandReceived: (d: { command: string; index: number; sender: string; url: string }, ttl: number): AccountEvent => ({
    command: 'fxaccounts:command_received',
    data: d,
    ttl,
  }),
} as const;

/** The JSON a device decrypts. */
export function eventPayload(event: AccountEvent): { version: 1; command: string; data?: Record<string, unknown> } {
  return event.data === undefined ? { version: 1, command: event.command } : { version: 1, command: event.command, data: event.data };
}
