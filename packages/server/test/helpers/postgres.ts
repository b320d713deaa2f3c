/**
 * A fresh PostgreSQL database per test (created on the local server, dropped afterwards), and a
 * real TCP proxy in front of PostgreSQL that tests can cut and restore to simulate an outage.
 * PostgreSQL must answer at PCAPI_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test):
 * these tests fail, never skip, when it does not.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import pg from 'pg';

export const ADMIN_URL = process.env.PCAPI_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

export function databaseUrl(name: string, port?: number): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  if (port !== undefined) url.port = String(port);
  return url.toString();
}

/** Runs `work` on a connection to the admin database (creating and dropping databases). */
export async function withPostgresAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not answering at ${ADMIN_URL} (${(error as Error).message}); .ci/run starts it`);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database and returns its name; it is dropped after the test (or call drop()). */
export async function createTestDatabase(t?: TestContext): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `pcapi_test_${randomBytes(6).toString('hex')}`;
  await withPostgresAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await withPostgresAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  t?.after(drop);
  return { name, url: databaseUrl(name), drop };
}

/**
 * A TCP proxy to PostgreSQL: `cut()` refuses new connections and drops open ones; `restore()` listens
 * again on the same port; `hold()` keeps new connections waiting (open ones carry on) until `release()`.
 */
export class PostgresProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private held: Socket[] | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.held) this.held.push(client);
      else this.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  restore(): Promise<void> {
    return this.start();
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const client of held) if (!client.destroyed) this.pipe(client);
  }

  private pipe(client: Socket): void {
    const target = new URL(ADMIN_URL);
    const upstream = connect(Number(target.port || 5432), target.hostname);
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => undefined);
    client.pipe(upstream).pipe(client);
  }
}
