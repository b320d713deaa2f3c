/**
 * Puts `Authorization: Bearer <token>` on each attempt, with the token cached and refreshed ahead of
 * expiry (credentials such as the Azure CLI's are slow and do not cache). Refuses to send a token
 * over plain http unless the client allows it, before the credential is even asked.
 */
import { AccessTokenCache } from '../credentials/access-token-cache.js';
import { PARTNER_CENTER_SCOPE, type TokenCredential } from '../credentials/token-credential.js';
import type { PipelinePolicy } from '../pipeline.js';

export interface BearerTokenPolicyOptions {
  scopes?: string | string[];
  allowInsecureConnection?: boolean;
}

export function bearerTokenPolicy(credential: TokenCredential, options: BearerTokenPolicyOptions = {}): PipelinePolicy {
  const scopes = options.scopes ?? PARTNER_CENTER_SCOPE;
  const cache = new AccessTokenCache(async () => {
    const token = await credential.getToken(scopes);
    if (!token || typeof token.token !== 'string' || token.token === '') {
      throw new Error(`The credential returned no access token for ${[scopes].flat().join(' ')}`);
    }
    // Checked here, so that the header's own check (whose message quotes the value) never sees it.
    if (!/^[\x21-\x7e]+$/.test(token.token)) {
      throw new Error(`The credential returned an access token for ${[scopes].flat().join(' ')} that cannot be sent in an Authorization header: it holds white space, control or non-ASCII characters (the token is not shown).`);
    }
    return token;
  });

  return {
    name: 'bearerToken',
    async sendRequest(request, next) {
      const { protocol, origin } = new URL(request.url);
      if (protocol !== 'https:' && !options.allowInsecureConnection) {
        throw new Error(
          `Refusing to send a bearer token over ${protocol} to ${origin}: ` +
            'use https, or set allowInsecureConnection: true in the client options (for a pcapi on localhost).',
        );
      }
      const token = await cache.getToken(request.abortSignal);
      request.headers.set('authorization', `Bearer ${token.token}`);
      return next(request);
    },
  };
}
