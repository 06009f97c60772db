/**
 * A Google service account (the JSON file of the Firebase console, docs/bridges.md "FCM"): who
 * signs the OAuth2 JWT grant, with which key, for which token endpoint. Read once at start.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface ServiceAccount {
  clientEmail: string;
  privateKey: KeyObject;
  /** The key's id, sent as the JWT `kid`; absent in some hand-made files. */
  privateKeyId?: string;
  /** Where the JWT grant is exchanged for an access token (`https://oauth2.googleapis.com/token`). */
  tokenUri: string;
  /** The project the account belongs to, when the file says. */
  projectId?: string;
}

const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/**
 * Parse a credential: a service-account object, its JSON text (anything containing `{`, as
 * autopush decides), or the path of its file.
 * @throws Error saying what is missing or wrong (never the key itself).
 */
export function parseServiceAccount(credential: unknown): ServiceAccount {
  let doc: unknown = credential;
  if (typeof credential === 'string') {
    let text = credential;
    if (!credential.includes('{')) {
      try {
        text = readFileSync(credential, 'utf8');
      } catch (err) {
        throw new Error(`cannot read the service-account file ${credential}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    try {
      doc = JSON.parse(text);
    } catch {
      throw new Error('the service account is not valid JSON');
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the credential must be a service-account JSON object, its text, or a file path');
  const a = doc as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof a[k] === 'string' && a[k] !== '' ? (a[k] as string) : undefined);
  const clientEmail = str('client_email');
  const pem = str('private_key');
  if (clientEmail === undefined || pem === undefined) throw new Error('the service account lacks client_email or private_key (download a new key from the Firebase console)');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error('the service account\'s private_key is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('the service account\'s private_key must be an RSA key');
  const tokenUri = str('token_uri') ?? GOOGLE_TOKEN_URI;
  if (!URL.canParse(tokenUri) || !/^https?:$/.test(new URL(tokenUri).protocol)) throw new Error('the service account\'s token_uri is not an http(s) URL');
  const out: ServiceAccount = { clientEmail, privateKey, tokenUri };
  const kid = str('private_key_id');
  if (kid !== undefined) out.privateKeyId = kid;
  const project = str('project_id');
  if (project !== undefined) out.projectId = project;
  return out;
}
