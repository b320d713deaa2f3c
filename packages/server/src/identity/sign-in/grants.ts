/**
 * One-time grants kept in the store: sign-ins in progress, authorization codes, device codes and
 * refresh tokens. The client holds a random secret; the store holds only its SHA-256, so a copy of
 * the database hands nobody a usable code or token. Times come from the injected clock.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { GrantKind, Store, StoredGrant } from '../../store/store.js';

export const GRANT_LIFETIMES_MS = {
  /** A sign-in page left open this long must be started again. */
  sign_in: 30 * 60_000,
  /** Entra's codes live about ten minutes. */
  code: 10 * 60_000,
  /** Entra's device codes: 15 minutes (expires_in 900). */
  device_code: 15 * 60_000,
  /** Entra's refresh tokens: 90 days of inactivity (each use returns a new one with its own 90 days). */
  refresh_token: 90 * 24 * 3600_000,
} as const satisfies Record<GrantKind, number>;

/** How often spent and expired grants are swept, at most. */
const PURGE_INTERVAL_MS = 10 * 60_000;

/**
 * How long an expired grant is kept before it is swept: meanwhile it is still told as expired
 * (AADSTS700082 for an idle refresh token, 70008, expired_token) rather than as one never issued.
 */
const PURGE_GRACE_MS = GRANT_LIFETIMES_MS.refresh_token;

/** Device-login codes as Entra's look: 9 characters without look-alikes (no 0/O, 1/I). */
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export const grantId = (secret: string) => createHash('sha256').update(secret).digest('base64url');

export class SignInGrants {
  private lastPurge = Number.NEGATIVE_INFINITY;

  constructor(private readonly store: Store, private readonly clock: Clock) {}

  /** The clock's time, for what a grant records of its sign-in. */
  now(): number {
    return this.clock.now();
  }

  /** Creates a grant; returns the secret to hand out (the store keeps its hash). */
  async issue(kind: GrantKind, state: string, payload: Record<string, unknown>, options: { userCode?: string } = {}): Promise<{ secret: string; grant: StoredGrant }> {
    const now = this.clock.now();
    this.purgeNowAndThen(now);
    const secret = randomBytes(32).toString('base64url');
    const grant: StoredGrant = { id: grantId(secret), kind, userCode: options.userCode ?? null, state, payload, expiresAtMs: now + GRANT_LIFETIMES_MS[kind] };
    await this.store.putGrant(grant);
    return { secret, grant };
  }

  /** The grant of `kind` a secret names, expired or not (callers say which error fits); undefined when unknown. */
  async find(kind: GrantKind, secret: string | undefined): Promise<StoredGrant | undefined> {
    if (!secret || secret.length > 512) return undefined;
    const grant = await this.store.findGrant(grantId(secret));
    return grant?.kind === kind ? grant : undefined;
  }

  async findByUserCode(userCode: string): Promise<StoredGrant | undefined> {
    const normalized = userCode.replace(/[\s-]/g, '').toUpperCase();
    if (!/^[A-Z0-9]{1,16}$/.test(normalized)) return undefined;
    const grant = await this.store.findGrantByUserCode(normalized);
    return grant?.kind === 'device_code' ? grant : undefined;
  }

  /** Moves a grant from one state to the next; false when another request moved it first. */
  move(grant: StoredGrant, toState: string, payload?: Record<string, unknown>): Promise<boolean> {
    return this.store.updateGrant(grant.id, grant.state, toState, payload);
  }

  expired(grant: StoredGrant): boolean {
    return grant.expiresAtMs <= this.clock.now();
  }

  newUserCode(): string {
    return Array.from({ length: 9 }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
  }

  private purgeNowAndThen(now: number): void {
    if (now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    // Sweeping is housekeeping: a failure must not fail the sign-in that happened to trigger it.
    this.store.purgeGrants(now - PURGE_GRACE_MS).catch(() => undefined);
  }
}
