/**
 * Thrown by `saveMessage`/`saveMessages` when the uaid has no (live) router record: messages only
 * exist for users. The endpoint checks the user first, so this means the user was deleted (or
 * expired) meanwhile; the caller may answer as for a deleted user (410, errno 105).
 */
export class UnknownUserError extends Error {
  readonly uaid: string;
  constructor(uaid: string) {
    super(`no router record for uaid ${uaid}; message not stored`);
    this.name = 'UnknownUserError';
    this.uaid = uaid;
  }
}
