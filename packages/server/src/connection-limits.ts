/**
 * How long pcapi waits for a client, and how many connections one process keeps open. Node enforces
 * all of it: pcapi only chooses the numbers (`pcapi serve --headers-timeout` and friends, config.ts).
 */
import type { Server, ServerOptions } from 'node:http';

export interface ConnectionLimits {
  /** From a connection's opening (or a request's first byte) to the end of the request's headers; 0 = none. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body; 0 = none. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open connections per process; one more is closed as soon as it is accepted, unanswered. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Longer than the 60 s idle timeout of common load balancers, so one in front never reuses a
  // connection pcapi has just closed (Fastify's default, kept).
  keepAliveTimeoutMs: 72_000,
  maxConnections: 10_000,
};

/**
 * Node's server options for the limits. Node checks the header and request timeouts on a timer (every
 * 30 s by default, so a 10 s limit could hold for 40 s): check four times per shortest limit, at
 * least once a second. Host is not required so that a request without one reaches pcapi rather than
 * Node's bodiless 400.
 */
export function nodeServerOptions(limits: ConnectionLimits): ServerOptions {
  const timeouts = [limits.headersTimeoutMs, limits.requestTimeoutMs].filter((ms) => ms > 0);
  const shortest = timeouts.length > 0 ? Math.min(...timeouts) : 4000;
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(shortest / 4))),
    requireHostHeader: false,
  };
}

/**
 * Caps open connections. Node accepts a connection over the cap and closes it at once, before reading
 * anything, so no HTTP answer is possible: the client sees the connection closed or reset. The first
 * such drop is logged, then every thousandth.
 */
export function limitConnections(server: Server, limits: ConnectionLimits, warn: (details: object, message: string) => void): void {
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  server.on('drop', () => {
    dropped++;
    if (dropped === 1 || dropped % 1000 === 0) {
      warn({ maxConnections: limits.maxConnections, dropped }, 'connection closed unanswered: the server is at its connection limit (--max-connections)');
    }
  });
}

/**
 * Call when the server starts closing. Node stops checking the header and request timeouts once
 * close() is called, so a client sending nothing would keep its connection, and the process, alive
 * forever. Any connection still open when the request timeout has passed again is closed: no request
 * can still be arriving by then, and one being answered has had that long.
 */
export function closeLingeringConnectionsWhenStopping(server: Server, limits: ConnectionLimits): void {
  const deadlineMs = Math.max(limits.headersTimeoutMs, limits.requestTimeoutMs);
  if (!server.listening || deadlineMs === 0) return;
  setTimeout(() => server.closeAllConnections(), deadlineMs).unref();
}
