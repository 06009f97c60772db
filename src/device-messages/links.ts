/** The fetch URL a push carries (docs/device-messages.md#device-commands-send-tab): `<publicUrl>/v1/account/device/<box>?index=N&limit=1`. */
import type { MailboxName } from '../storage/accounts/mailbox-store.js';

export function fetchUrl(publicUrl: string, box: MailboxName, index: number): string {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  const url = new URL(`v1/account/device/${box}`, base);
  url.searchParams.set('index', String(index));
  url.searchParams.set('limit', '1');
  return url.href;
}
