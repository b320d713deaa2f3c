/**
 * How a PostgreSQL store hears the changes other processes commit: a dedicated connection LISTENs on
 * the channel every import and key write NOTIFYs, and each notice is passed on to the store's
 * listeners (its caches).
 */
import pg from 'pg';

export class PostgresChangeFeed {
  private readonly listeners: (() => void)[] = [];
  private connection: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Settles when LISTEN is first in place (see hearing()). */
  private listening: Promise<void> | undefined;
  private listeningNow: (() => void) | undefined;
  private closed = false;

  constructor(private readonly url: string, private readonly channel: string) {}

  /** Adds a listener; the first one opens the LISTEN connection. */
  add(listener: () => void): void {
    this.listeners.push(listener);
    if (this.listeners.length > 1) return;
    this.listening = new Promise((resolve) => (this.listeningNow = resolve));
    void this.listen();
  }

  /** Resolves once LISTEN is first in place (and its catch-up notice given), or at once without listeners. */
  hearing(): Promise<void> {
    return this.listening ?? Promise.resolve();
  }

  tellListeners(): void {
    for (const listener of this.listeners) listener();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.listeningNow?.();
    await this.connection?.end().catch(() => undefined);
  }

  /**
   * Once LISTEN is in place it reports a change: commits made between the listener's registration and
   * then were never notified to it (a server that had just read the clock would otherwise keep the
   * old one). When the connection drops (a database restart), it reconnects with back-off and reports
   * a change again.
   */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 3000, application_name: 'pcapi-listen' });
    const retry = () => {
      if (this.closed || this.connection !== client) return;
      this.connection = undefined;
      // Changes can no longer be heard: whatever was cached may go stale, so drop it now.
      this.tellListeners();
      client.end().catch(() => undefined);
      this.retryTimer = setTimeout(() => void this.listen(), 500);
      this.retryTimer.unref();
    };
    this.connection = client;
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.tellListeners());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.tellListeners();
      this.listeningNow?.();
    } catch {
      retry();
    }
  }
}
