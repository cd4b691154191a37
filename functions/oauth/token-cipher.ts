import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { keyListParser, type SecretParser } from '../shared/secrets.js';

/**
 * Encryption of stored platform tokens: AES-256-GCM under a key from the replicated Secrets Manager
 * secret `continuity/<env>/platform-token-key` (key list: the first key encrypts, every key decrypts).
 *
 * Why a replicated secret and not a KMS key: the token item lives in ControlState, which both regions
 * write; whichever region refreshes must encrypt, and the other must decrypt, also while the first is
 * down. A Secrets Manager replica is readable in its own region (only writing the *key* needs the
 * primary region, and that happens only at a rotation); a KMS key would have to be a multi-Region key
 * with a replica created by a stack in the other region from the primary's generated ARN (a cross-region
 * stack reference), for no more than the same guarantee here. What KMS would add (the key never leaves
 * the HSM, one CloudTrail entry per decrypt) is noted in the README.
 *
 * The encryption context (org and API host) is the AEAD's associated data: a ciphertext copied into
 * another org's item, or relabelled with another API host, does not decrypt.
 */
export interface TokenContext {
  readonly org: string;
  readonly apiHost: string;
}

export interface TokenCipher {
  encrypt(plaintext: string, context: TokenContext): Promise<Uint8Array>;
  decrypt(ciphertext: Uint8Array, context: TokenContext): Promise<string>;
}

export class TokenDecryptError extends Error {
  constructor(context: TokenContext, reason: string) {
    super(`stored token of ${context.org} (${context.apiHost}) does not decrypt: ${reason}`);
    this.name = 'TokenDecryptError';
  }
}

const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** A key shorter than this cannot give AES-256 its strength (`openssl rand -base64 48` gives 64 characters). */
const MIN_KEY_BYTES = 32;

/** One key of the list: the AES key (HKDF of the secret) and a one-byte id that picks it at decrypt. */
class CipherKey {
  readonly id: number;
  readonly #key: Buffer;

  constructor(secret: string) {
    const bytes = Buffer.from(secret, 'utf8');
    if (bytes.length < MIN_KEY_BYTES) {
      throw new RangeError(`every platform token key must be at least ${MIN_KEY_BYTES} bytes`);
    }
    this.#key = Buffer.from(hkdfSync('sha256', bytes, 'cc-continuity/platform-token', 'v1/aes-256-gcm', 32));
    this.id = createHash('sha256').update(this.#key).digest()[0] ?? 0;
  }

  get key(): Buffer {
    return this.#key;
  }

  [inspect.custom](): string {
    return `CipherKey { id: ${this.id} }`;
  }

  toJSON(): { id: number } {
    return { id: this.id };
  }
}

/** The secret's key list as cipher keys (a {@link SecretParser}: a short key keeps the last good list). */
export const cipherKeysParser: SecretParser<readonly CipherKey[]> = (text) =>
  keyListParser(text).map((k) => new CipherKey(k));

function associatedData(context: TokenContext): Buffer {
  return Buffer.from(JSON.stringify([context.org, context.apiHost]), 'utf8');
}

/**
 * @example
 * const cipher = secretTokenCipher(() => secrets.parsed(secretNames(env).platformTokenKey, cipherKeysParser));
 */
export function secretTokenCipher(keys: () => Promise<readonly CipherKey[]>): TokenCipher {
  return {
    async encrypt(plaintext, context) {
      const key = (await keys())[0];
      if (!key) throw new Error('the platform token key list is empty');
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
      cipher.setAAD(associatedData(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(FORMAT, key.id), nonce, body, cipher.getAuthTag()]);
    },
    async decrypt(ciphertext, context) {
      const bytes = Buffer.from(ciphertext);
      if (bytes.length < 2 + NONCE_BYTES + TAG_BYTES || bytes[0] !== FORMAT) {
        throw new TokenDecryptError(context, 'not a stored-token ciphertext');
      }
      const candidates = (await keys()).filter((k) => k.id === bytes[1]);
      if (candidates.length === 0)
        throw new TokenDecryptError(context, 'encrypted with a key no longer listed');
      const nonce = bytes.subarray(2, 2 + NONCE_BYTES);
      const body = bytes.subarray(2 + NONCE_BYTES, bytes.length - TAG_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      for (const key of candidates) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key.key, nonce);
          decipher.setAAD(associatedData(context));
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
        } catch {
          // Another key with the same one-byte id, or a ciphertext for another org / API host.
        }
      }
      throw new TokenDecryptError(context, 'authentication failed (another org, API host or key)');
    },
  };
}
