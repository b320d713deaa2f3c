/**
 * The credential contract, shaped like `@azure/core-auth`'s `TokenCredential` so that any
 * `@azure/identity` credential plugs in without this package depending on it.
 */

export interface AccessToken {
  token: string;
  /** When the token expires, in milliseconds since the epoch. */
  expiresOnTimestamp: number;
  /** When to get a new one ahead of expiry, if the credential knows better than the default margin. */
  refreshAfterTimestamp?: number;
}

export interface GetTokenOptions {
  abortSignal?: AbortSignal | undefined;
}

export interface TokenCredential {
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null>;
}

/** The scope every Partner Center call asks for. */
export const PARTNER_CENTER_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
