/** Programmatic use: start a pcapi server from the same validated settings the CLI takes. */
export { resolveServeConfig, type RawServeOptions, type ServeConfig } from './config.js';
export { startServer, type RunningServer } from './server.js';
export { buildApp, type AppDeps } from './app.js';
export { startPcapi, type Pcapi, type StartPcapiOptions, type FixtureCredential, type ClockState } from './fixture.js';
export type { SeedDocument } from './seed/seed-document.js';
export type { FaultSpec, FaultRule, FaultStatus } from './surfaces/emulator/faults.js';
