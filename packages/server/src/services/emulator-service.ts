/**
 * What a test suite drives between and during its cases: the shared clock, resetting the store to
 * its seed, exporting and importing seed documents, and injected faults. Knows nothing of HTTP.
 */
import { isClockState, REAL_TIME, type EmulatedClock, type EmulatedClockState } from '../clock.js';
import { exportSeed } from '../seed/export-seed.js';
import { importSeedDocument, importSeedFile } from '../seed/import-seed.js';
import type { SeedDocument } from '../seed/seed-document.js';
import type { ImportSummary, Store } from '../store/store.js';
import type { FaultInjector } from '../surfaces/emulator/faults.js';
import type { TransitionDelays } from '../domain/gdap-lifecycle.js';

const CLOCK_SETTING = 'clock';

export interface EmulatorServiceDeps {
  store: Store;
  clock: EmulatedClock;
  faults: FaultInjector;
  /** The seed the store is reset to: the configured file (or the demo's), a document given in code, or none (an empty store). */
  seed: EmulatorSeed | undefined;
  /** GDAP transition delays: exports carry statuses as of the clock. */
  delays: TransitionDelays;
}

export type EmulatorSeed = { file: string } | { document: SeedDocument };

export interface ClockView {
  now: string;
  offsetMs: number;
  frozen: boolean;
}

export class EmulatorService {
  constructor(private readonly deps: EmulatorServiceDeps) {
    // Another process moved the clock (or reset the store): every process shows the same time.
    deps.store.onDataChanged(() => void this.loadClock().catch(() => undefined));
  }

  /** Reads the shared clock from the store; call once at start-up. */
  async loadClock(): Promise<void> {
    const stored = await this.deps.store.emulatorSetting(CLOCK_SETTING);
    this.deps.clock.apply(isClockState(stored) ? stored : REAL_TIME);
  }

  clockView(): ClockView {
    const state = this.deps.clock.current();
    return { now: new Date(this.deps.clock.now()).toISOString(), offsetMs: state.offsetMs, frozen: state.frozenAtMs !== null };
  }

  /** Sets the clock to an instant (running on from it, or frozen there). */
  async setClock(instantMs: number, frozen: boolean): Promise<ClockView> {
    return this.saveClock(this.deps.clock.stateAt(instantMs, frozen));
  }

  async advanceClock(ms: number): Promise<ClockView> {
    return this.saveClock(this.deps.clock.advancedBy(ms));
  }

  /** Back to the machine's time, running. */
  async resetClock(): Promise<ClockView> {
    return this.saveClock(REAL_TIME);
  }

  /**
   * The whole emulator back to its start: the store replaced by its seed in one transaction, the
   * clock at real time, no faults.
   */
  async reset(): Promise<{ clock: ClockView; imported: ImportSummary | null; faultsCleared: number }> {
    const clock = await this.resetClock();
    const faultsCleared = this.deps.faults.clear();
    const now = new Date(this.deps.clock.now());
    const seed = this.deps.seed;
    const imported = seed === undefined
      ? await this.deps.store.importSeed({ partners: [], principals: [], groups: [], memberOf: [], customers: [], customerUsers: [], partnerCustomers: [], relationships: [], assignments: [], consents: [], claims: [] }, { replace: true })
      : 'file' in seed
        ? await importSeedFile(this.deps.store, seed.file, now, { replace: true })
        : await importSeedDocument(this.deps.store, seed.document, 'the seed given to startPcapi', now, { replace: true });
    return { clock, imported, faultsCleared };
  }

  async exportDocument(): Promise<SeedDocument> {
    return exportSeed(await this.deps.store.exportRows(), { now: this.deps.clock.now(), delays: this.deps.delays });
  }

  /** Imports a seed document (validated by the caller); `replace` first deletes everything else. */
  async importDocument(document: SeedDocument, replace: boolean): Promise<ImportSummary> {
    return importSeedDocument(this.deps.store, document, 'the imported document', new Date(this.deps.clock.now()), { replace });
  }

  /** Throws ClockOutOfRange, changing nothing, when the state would show an instant outside the clock's range. */
  private async saveClock(state: EmulatedClockState): Promise<ClockView> {
    this.deps.clock.checked(state);
    // Stored first (a store that refuses changes nothing), then applied here before answering, so this
    // process's next request sees it; the store tells the others.
    await this.deps.store.writeGdap({ kind: 'setEmulatorSetting', name: CLOCK_SETTING, value: state });
    this.deps.clock.apply(state);
    return this.clockView();
  }
}
