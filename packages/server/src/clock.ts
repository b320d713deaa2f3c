/**
 * The one source of "now" for everything that reads time: token issuing and verification, caches,
 * authorization, throttling, seeding. Product code never calls Date.now() itself, so tests (and
 * later, users) move time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told: for tests, and for users who drive time themselves. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: number | Date = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward (or back, with a negative amount) by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  set(to: number | Date): void {
    this.current = typeof to === 'number' ? to : to.getTime();
  }
}

/** Whole seconds since the epoch, as JWT claims count time. */
export const epochSeconds = (clock: Clock): number => Math.floor(clock.now() / 1000);

/** What users set the emulated clock to; shared by every process on a store (emulator setting "clock"). */
export interface EmulatedClockState {
  /** Added to the machine's time; 0 is real time. */
  offsetMs: number;
  /** When set, time stands still at this instant. */
  frozenAtMs: number | null;
}

export const REAL_TIME: EmulatedClockState = { offsetMs: 0, frozenAtMs: null };

/**
 * The instants the emulated clock may show: 1970 to the end of 9999, the years an ISO 8601 instant and
 * a JWT's NumericDate both write (beyond them dates stop formatting, and tokens carry nonsense).
 */
export const EARLIEST_INSTANT = 0;
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const inRange = (instant: number): boolean => Number.isFinite(instant) && instant >= EARLIEST_INSTANT && instant <= LATEST_INSTANT;

/** Whether a stored setting is a clock state within range (a store may hold anything a user wrote). */
export function isClockState(value: unknown): value is EmulatedClockState {
  const state = value as EmulatedClockState;
  return typeof value === 'object' && value !== null && Number.isFinite(state.offsetMs) && Math.abs(state.offsetMs) <= LATEST_INSTANT
    && (state.frozenAtMs === null || inRange(state.frozenAtMs));
}

/** A clock change that would show an instant outside EARLIEST_INSTANT..LATEST_INSTANT. */
export class ClockOutOfRange extends Error {
  override name = 'ClockOutOfRange';
}

/**
 * The server's clock when users may move it: the machine's time plus an offset, or frozen at an
 * instant. Reads are one addition; the state changes only through `apply` (from the store, so
 * every process on it shows the same time).
 */
export class EmulatedClock implements Clock {
  private state: EmulatedClockState = REAL_TIME;

  constructor(private readonly machine: Clock = systemClock) {}

  now(): number {
    return this.state.frozenAtMs ?? this.machine.now() + this.state.offsetMs;
  }

  current(): EmulatedClockState {
    return this.state;
  }

  apply(state: EmulatedClockState): void {
    this.state = state;
  }

  /** `state` itself, or ClockOutOfRange when the instant it would show now is outside the clock's range. */
  checked(state: EmulatedClockState): EmulatedClockState {
    const shows = state.frozenAtMs ?? this.machine.now() + state.offsetMs;
    if (!inRange(shows)) {
      throw new ClockOutOfRange(`The clock would show ${Number.isFinite(shows) ? `${shows} ms after 1970` : String(shows)}; it shows instants from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.`);
    }
    return state;
  }

  /** The state that shows `instant` now, frozen there or running on from it. */
  stateAt(instant: number, frozen: boolean): EmulatedClockState {
    return frozen ? { offsetMs: instant - this.machine.now(), frozenAtMs: instant } : { offsetMs: instant - this.machine.now(), frozenAtMs: null };
  }

  /** The state `ms` later than now, keeping frozen or running. */
  advancedBy(ms: number): EmulatedClockState {
    const { offsetMs, frozenAtMs } = this.state;
    return { offsetMs: offsetMs + ms, frozenAtMs: frozenAtMs === null ? null : frozenAtMs + ms };
  }
}
