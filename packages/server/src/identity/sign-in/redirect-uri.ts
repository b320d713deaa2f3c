/** Redirect URI matching as Entra does it: exact, except that a loopback URI's port is ignored. */
import { LOOPBACK_HOST_NAMES } from '../../loopback.js';

function withoutLoopbackPort(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol === 'http:' && LOOPBACK_HOST_NAMES.has(url.hostname)) url.port = '';
  // new URL adds "/" to an empty path; Entra treats http://localhost and http://localhost/ alike.
  return url.href;
}

/**
 * The registered URI `requested` matches, or undefined. A URI is printable ASCII: the URL parser would
 * drop tabs, line breaks and control characters (so `http://local%09host` matched `http://localhost`),
 * and the requested value is what goes back in the Location header, where they cannot be written.
 */
export function matchRedirectUri(registered: readonly string[], requested: string): string | undefined {
  if (!/^[\x21-\x7e]+$/.test(requested)) return undefined;
  const wanted = withoutLoopbackPort(requested);
  if (wanted === undefined) return undefined;
  return registered.find((uri) => uri === requested || withoutLoopbackPort(uri) === wanted);
}
