/** Ports for tests that need nothing to be listening: opened by the test itself, then closed. */
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port that was free a moment ago and is closed now (nothing answers on it). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
