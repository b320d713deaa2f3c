/**
 * The local issuer's signing keys as this process sees them. They live in the store, so every
 * process on every machine signs and verifies with the same keys; the ring reloads them when the
 * store reports a change (a rotation by any process: PostgreSQL NOTIFY, SQLite's data version) and
 * when a scheduled change comes due, which it notices when asked for a key (no timers). Which key
 * signs and which are published is decided by signing-key-rules.ts at each call, with the injected
 * clock.
 */
import type { CryptoKey, JWK } from 'jose';
import type { Clock } from '../clock.js';
import type { Store, StoredSigningKey } from '../store/store.js';
import {
  createStoredSigningKey, loadStoredSigningKey, readSigningKeyFile, SigningKeyError, type SigningKey, type SigningKeySource,
} from './signing-key.js';
import { isPublishedAt, nextChangeAfter, planRotation, publishedKeysAt, signingKeyAt, type KeySchedule } from './signing-key-rules.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from './token-issuer.js';

/** A token with a kid the ring does not know reloads the keys at most this often (a forger's random kids cost little). */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 1000;
/** After a failed reload, the next call tries again once this much time has passed. */
const RETRY_AFTER_FAILURE_MS = 1000;

export interface KeyRingOptions {
  store: Store;
  clock: Clock;
  clockToleranceSeconds: number;
  /** A data folder whose `signing-key.json` (earlier pcapi versions) becomes the first key of a store that has none. */
  legacyDataDir?: string;
  /** The first key of a store that has none, before any legacy file (tests' fixed key). */
  initialKey?: SigningKey;
  /** Reload on the store's data changes (default true); off for one-shot commands. */
  watch?: boolean;
}

type LoadedKey = KeySchedule & { key: SigningKey & { publicKey: CryptoKey } };

export class KeyRing implements SigningKeySource {
  private keys: LoadedKey[] = [];
  /** Imported keys by kid: a reload re-reads the schedule, not the key material. */
  private readonly material = new Map<string, Promise<LoadedKey['key']>>();
  private dueAtMs = Infinity;
  private loading: Promise<void> | undefined;
  private pending = false;
  private lastUnknownKidReloadMs = -Infinity;
  private readonly toleranceMs: number;

  private constructor(private readonly options: KeyRingOptions) {
    this.toleranceMs = options.clockToleranceSeconds * 1000;
  }

  /** Loads the store's keys; a store without any first gets one (see ensureSigningKey). */
  static async open(options: KeyRingOptions): Promise<KeyRing> {
    const ring = new KeyRing(options);
    if (options.watch !== false) options.store.onDataChanged(() => void ring.reload().catch(() => undefined));
    await ring.reload();
    if (ring.keys.length === 0) {
      await ensureSigningKey(options);
      await ring.reload();
      if (ring.keys.length === 0) throw new SigningKeyError('the store holds no signing key, even after one was inserted');
    }
    return ring;
  }

  /** The key to sign with now. */
  async signingKey(): Promise<SigningKey> {
    await this.freshen();
    const current = signingKeyAt(this.keys, this.options.clock.now());
    if (!current) throw new SigningKeyError('the store holds no signing key any more; restart pcapi to create one');
    return current.key;
  }

  /** The JWKS entries of the keys published now. */
  async publishedJwks(): Promise<JWK[]> {
    await this.freshen();
    return publishedKeysAt(this.keys, this.options.clock.now(), this.toleranceMs).map((loaded) => loaded.key.publicJwk);
  }

  /** The public key of `kid` when it is published now; undefined otherwise (unknown, or no longer published). */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    await this.freshen();
    const now = this.options.clock.now();
    let found = this.keys.find((loaded) => loaded.kid === kid);
    // A kid never seen may be a key another process just added whose notification has not arrived.
    if (!found && now - this.lastUnknownKidReloadMs >= UNKNOWN_KID_RELOAD_INTERVAL_MS) {
      this.lastUnknownKidReloadMs = now;
      await this.reload().catch(() => undefined);
      found = this.keys.find((loaded) => loaded.kid === kid);
    }
    return found && isPublishedAt(found, now, this.toleranceMs) ? found.key.publicKey : undefined;
  }

  /** Reads the keys again; calls made meanwhile share this read, or the one queued after it. */
  reload(): Promise<void> {
    if (this.loading) {
      this.pending = true;
      return this.loading;
    }
    const run = async () => {
      try {
        do {
          this.pending = false;
          await this.load();
        } while (this.pending);
      } catch (error) {
        this.dueAtMs = Math.min(this.dueAtMs, this.options.clock.now() + RETRY_AFTER_FAILURE_MS);
        throw error;
      } finally {
        this.loading = undefined;
      }
    };
    this.loading = run();
    return this.loading;
  }

  /** Waits for a reload in flight; reloads first when a scheduled change has come due (a missed notification costs no more than that). */
  private async freshen(): Promise<void> {
    if (this.loading) await this.loading.catch(() => undefined);
    if (this.options.clock.now() >= this.dueAtMs) {
      this.dueAtMs = Infinity;
      // On failure the keys in memory serve (the rules run on them at each call anyway).
      await this.reload().catch(() => undefined);
    }
  }

  private async load(): Promise<void> {
    const rows = await this.options.store.signingKeys();
    const keys = await Promise.all(rows.map(async (row) => ({ ...schedule(row), key: await this.materialOf(row) })));
    this.keys = keys;
    this.dueAtMs = nextChangeAfter(keys, this.options.clock.now(), this.toleranceMs);
  }

  private materialOf(row: StoredSigningKey): Promise<LoadedKey['key']> {
    let loaded = this.material.get(row.kid);
    if (!loaded) {
      loaded = loadStoredSigningKey(row);
      this.material.set(row.kid, loaded);
      loaded.catch(() => this.material.delete(row.kid));
    }
    return loaded;
  }
}

function schedule(row: StoredSigningKey): KeySchedule {
  return { kid: row.kid, createdAtMs: row.createdAtMs, signsFromMs: row.signsFromMs, publishedUntilMs: row.publishedUntilMs };
}

/**
 * Gives a store without keys its first one, signing from now: the initial key when given, else the
 * data folder's legacy `signing-key.json` (keeping its kid, so tokens already out stay valid), else
 * a new key. Processes starting at once agree: the first insert wins, the others' are dropped.
 * Nothing is written to the data folder.
 */
export async function ensureSigningKey(options: Pick<KeyRingOptions, 'store' | 'clock' | 'legacyDataDir' | 'initialKey'>): Promise<void> {
  if ((await options.store.signingKeys()).length > 0) return;
  const nowMs = options.clock.now();
  const privateJwk = options.initialKey?.privateJwk ?? (options.legacyDataDir === undefined ? undefined : readSigningKeyFile(options.legacyDataDir));
  await options.store.insertSigningKey(await createStoredSigningKey({ nowMs, signsFromMs: nowMs, privateJwk }), { onlyIfNone: true });
}

export interface RotationOptions {
  /** How long the new key is published before it signs. */
  publishAheadMs: number;
  clockToleranceSeconds: number;
  /** The longest token lifetime; DEFAULT_TOKEN_LIFETIME_SECONDS unless given. */
  tokenLifetimeSeconds?: number;
}

export interface Rotation {
  kid: string;
  signsFromMs: number;
  /** Keys whose publication now ends, and when. */
  retired: { kid: string; publishedUntilMs: number }[];
}

/**
 * Adds a key that signs from now + publish-ahead and ends every other key's publication once the
 * last token it may sign has expired (signing-key-rules.ts planRotation). The new key is written
 * first: should the second step fail, the older keys merely stay published.
 */
export async function rotateSigningKeys(store: Store, clock: Clock, options: RotationOptions): Promise<Rotation> {
  const nowMs = clock.now();
  const plan = planRotation(await store.signingKeys(), nowMs, {
    publishAheadMs: options.publishAheadMs,
    tokenLifetimeMs: (options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS) * 1000,
    toleranceMs: options.clockToleranceSeconds * 1000,
  });
  const key = await createStoredSigningKey({ nowMs, signsFromMs: plan.signsFromMs });
  if (!(await store.insertSigningKey(key))) throw new SigningKeyError(`a signing key with kid ${key.kid} is already stored`);
  for (const retired of plan.retire) await store.setSigningKeyPublishedUntil(retired.kid, retired.publishedUntilMs);
  return { kid: key.kid, signsFromMs: plan.signsFromMs, retired: plan.retire };
}
