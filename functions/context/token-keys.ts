import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import { inspect } from 'node:util';

/** Salt of every HKDF derivation: fixes the purpose, so the same secret used elsewhere yields other keys. */
const HKDF_SALT = 'cc-continuity/transfer-context-token';
/** Secrets shorter than this cannot give AES-256 its strength. */
export const MIN_SECRET_BYTES = 32;
const MAX_CACHED_ENV_TAGS = 16;

function derive(secret: Uint8Array, purpose: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, `v1/${purpose}`, bytes));
}

/**
 * One token secret, expanded with HKDF-SHA256 into independent keys: a MAC key (synthetic IV), an
 * encryption key (AES-256-CTR), an environment-tag key and a one-byte key id. Key material sits in
 * private fields and never shows in JSON or `util.inspect`, so logging a keyring leaks nothing.
 */
export class TokenKey {
  /** Written into every token so verification tries only the matching key(s) during a rotation. */
  readonly id: number;
  readonly #mac: Buffer;
  readonly #enc: Buffer;
  readonly #envTag: Buffer;
  /** Tags already computed: a verifier serves one environment, so this saves an HMAC per token. */
  readonly #envTags = new Map<string, number>();

  constructor(secret: string | Uint8Array) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new RangeError(
        `a token secret must be at least ${MIN_SECRET_BYTES} bytes (got ${bytes.length}); generate one with \`openssl rand -base64 48\``,
      );
    }
    this.#mac = derive(bytes, 'mac', 32);
    this.#enc = derive(bytes, 'enc', 32);
    this.#envTag = derive(bytes, 'env-tag', 32);
    this.id = derive(bytes, 'key-id', 1)[0] ?? 0;
  }

  /** HMAC-SHA256 over the parts, each length-prefixed (so part boundaries cannot be shifted), cut to `bytes`. */
  mac(parts: readonly Uint8Array[], bytes: number): Buffer {
    const hmac = createHmac('sha256', this.#mac);
    for (const part of parts) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(part.length);
      hmac.update(len).update(part);
    }
    return hmac.digest().subarray(0, bytes);
  }

  /** AES-256-CTR keystream XOR: encrypts and decrypts alike. */
  ctr(iv: Uint8Array, data: Uint8Array): Buffer {
    const cipher = createCipheriv('aes-256-ctr', this.#enc, iv);
    return Buffer.concat([cipher.update(data), cipher.final()]);
  }

  /** One keyed byte that names the environment without revealing it (diagnostics only, not security). */
  envTag(env: string): number {
    let tag = this.#envTags.get(env);
    if (tag === undefined) {
      tag = createHmac('sha256', this.#envTag).update(env, 'utf8').digest()[0] ?? 0;
      // Bounded whatever the callers pass: environments are few, and a full map just starts over.
      if (this.#envTags.size >= MAX_CACHED_ENV_TAGS) this.#envTags.clear();
      this.#envTags.set(env, tag);
    }
    return tag;
  }

  toJSON(): { id: number } {
    return { id: this.id };
  }

  [inspect.custom](): string {
    return `TokenKey { id: ${this.id} }`;
  }
}

/** Keys in order of preference: the first signs, all verify (current first, then previous). */
export type TokenKeyring = readonly TokenKey[];

/**
 * Builds the keyring once (at cold start) from the secret list, current secret first.
 *
 * @example
 * const keys = tokenKeyring([secrets.current, secrets.previous].filter(Boolean));
 */
export function tokenKeyring(secrets: readonly (string | Uint8Array)[]): TokenKeyring {
  if (secrets.length === 0)
    throw new RangeError('a token keyring needs at least one secret (the current one)');
  return secrets.map((s) => new TokenKey(s));
}
