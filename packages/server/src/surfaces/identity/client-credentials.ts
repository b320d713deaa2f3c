/**
 * How the client presented itself to the token endpoint: HTTP Basic (client_secret_basic) or form
 * fields (client_secret_post, client_assertion), never both (RFC 6749 §2.3: one authentication
 * method per request; §5.2: more than one is `invalid_request`).
 */
import { OAuthError } from './oauth-errors.js';

export interface ClientCredentials {
  clientId: string | undefined;
  secret: string | undefined;
}

/** Entra's generic "request is malformed or invalid"; the facts sheet has no code for this case (docs/parity.md). */
const MALFORMED_REQUEST = 9002313;

const malformedBasic = () => new OAuthError(401, 'invalid_client', 7000215, 'The HTTP Basic credentials are not client_id:client_secret.');

/** RFC 6749 §2.3.1: client id and secret are form-encoded, then joined by ":" and base64-encoded. */
function basicCredentials(header: string): { clientId: string; secret: string } {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match) throw malformedBasic();
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw malformedBasic();
  // URLSearchParams decodes "+" as a space and never throws on a malformed escape.
  const formDecode = (text: string) => new URLSearchParams(`v=${text.replace(/&/g, '%26')}`).get('v') ?? '';
  return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/**
 * The client's id and secret from the one method it used. A Basic header counts as that method even
 * when malformed, so a broken header cannot make the server fall back to the form's credentials.
 * A form `client_id` beside Basic only names the client; it must name the same one.
 */
export function readClientCredentials(form: Record<string, string | undefined>, authorization: string | undefined): ClientCredentials {
  const usesBasic = authorization !== undefined && /^Basic(?: |$)/i.test(authorization);
  if (!usesBasic) return { clientId: form.client_id, secret: form.client_secret };
  if (form.client_secret !== undefined || form.client_assertion !== undefined) {
    throw new OAuthError(400, 'invalid_request', MALFORMED_REQUEST, 'The client authenticated with more than one method: use either HTTP Basic or client_secret in the body, not both.');
  }
  const basic = basicCredentials(authorization);
  if (form.client_id !== undefined && form.client_id.toLowerCase() !== basic.clientId.toLowerCase()) {
    throw new OAuthError(400, 'invalid_request', MALFORMED_REQUEST, 'The client_id in the body is not the client of the HTTP Basic credentials.');
  }
  return { clientId: basic.clientId, secret: basic.secret };
}
