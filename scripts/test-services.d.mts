/** Declarations for test-services.mjs (the test suite's pre-flight of PostgreSQL and Redis). */
export type ServiceKey = 'postgres' | 'redis';
/** For each service, the files of `files` (paths relative to `root`) that need it. */
export function servicesNeeded(files: string[], root?: string): Record<ServiceKey, string[]>;
/** undefined when every needed service answers; otherwise the message to print. */
export function checkServices(needed: Record<ServiceKey, string[]>, env?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<string | undefined>;
