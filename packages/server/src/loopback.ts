/** Host names that always mean this machine (as a URL's hostname writes them). */
export const LOOPBACK_HOST_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a Host header or URL host (`name[:port]`) names this machine: a loopback address or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  try {
    const { hostname } = new URL(`http://${host}`);
    return LOOPBACK_HOST_NAMES.has(hostname) || hostname.endsWith('.localhost');
  } catch {
    return false;
  }
}
