/**
 * The client. Every call goes through the same short chain, in this order:
 *   request ids → retry → bearer token → fetch
 * Ids come first so all retries of a call share them; the token is applied inside the retry loop so a
 * long wait can be followed by a fresh token.
 */
import { HEADERS, isGuid, type CustomerOrganization } from '@pcapi/contracts';
import { resolveEndpoint, type PartnerCenterCloud } from './clouds.js';
import type { TokenCredential } from './credentials/token-credential.js';
import { PartnerCenterError } from './errors/partner-center-error.js';
import { PACKAGE_NAME } from './package-info.js';
import { createPipeline, type HttpClient, type SendRequest } from './pipeline.js';
import { bearerTokenPolicy } from './policies/bearer-token-policy.js';
import { fetchTransport } from './policies/fetch-transport.js';
import { requestIdsPolicy } from './policies/request-ids-policy.js';
import { retryPolicy, type RetryOptions } from './policies/retry-policy.js';
import { readOrganizations } from './read-organizations.js';

export interface PartnerCenterClientOptions {
  /** Allow bearer tokens over `http://` (a pcapi on localhost). Off by default: tokens are secrets. */
  allowInsecureConnection?: boolean;
  retryOptions?: RetryOptions;
  /** `MS-PartnerCenter-Application` on every call, unless a call says otherwise. Default `@pcapi/client`. */
  applicationName?: string;
  /** `X-Locale` on every call, unless a call says otherwise. Default `en-US`. */
  locale?: string;
  /** Sends each attempt; the platform's `fetch` unless given (see HttpClient). Retries and tokens stay the client's. */
  httpClient?: HttpClient;
}

export interface GetCustomerOrganizationOptions {
  abortSignal?: AbortSignal;
  /** `MS-CorrelationId` (a GUID) to tie this call to others; a new one per call by default. */
  correlationId?: string;
  /** `MS-RequestId` (a GUID); a new one per call by default, the same on each retry. */
  requestId?: string;
  locale?: string;
  applicationName?: string;
}

export class PartnerCenterClient {
  /** The base URL calls go to. */
  readonly endpoint: string;
  readonly #send: SendRequest;
  readonly #locale: string;
  readonly #applicationName: string;

  /**
   * @param endpointOrCloud `global`, `china`, or a base URL (`http://127.0.0.1:8080` for a local pcapi).
   * @param credential Anything with `getToken(scopes, {abortSignal})`: this package's credentials or `@azure/identity`'s.
   */
  constructor(endpointOrCloud: PartnerCenterCloud | (string & {}), credential: TokenCredential, options: PartnerCenterClientOptions = {}) {
    if (typeof credential?.getToken !== 'function') throw new TypeError('credential must have a getToken(scopes, options) method (a TokenCredential)');
    this.endpoint = resolveEndpoint(endpointOrCloud);
    this.#locale = options.locale ?? 'en-US';
    this.#applicationName = options.applicationName ?? PACKAGE_NAME;
    this.#send = createPipeline(
      [requestIdsPolicy(), retryPolicy(options.retryOptions), bearerTokenPolicy(credential, { allowInsecureConnection: options.allowInsecureConnection ?? false })],
      options.httpClient ? (request) => options.httpClient!.sendRequest(request) : fetchTransport(),
    );
  }

  /**
   * `GET /v1/customers/{customerTenantId}/organization`. Resolves with the organizations (one, in
   * practice); rejects with a PartnerCenterError for any non-success answer.
   */
  async getCustomerOrganization(customerTenantId: string, options: GetCustomerOrganizationOptions = {}): Promise<CustomerOrganization[]> {
    // Checked here so a typo costs no request, no token and no retries.
    if (!isGuid(customerTenantId)) {
      throw new TypeError(`customerTenantId must be the customer's Microsoft Entra tenant id, a GUID such as 13bba13f-49f8-49aa-8a22-1fe70d695fcb; got ${JSON.stringify(String(customerTenantId).slice(0, 80))}`);
    }
    for (const name of ['requestId', 'correlationId'] as const) {
      const value = options[name];
      if (value !== undefined && !isGuid(value)) throw new TypeError(`${name} must be a GUID; got ${JSON.stringify(String(value).slice(0, 80))}`);
    }
    const headers = new Headers({
      accept: 'application/json',
      [HEADERS.locale]: options.locale ?? this.#locale,
      [HEADERS.application]: options.applicationName ?? this.#applicationName,
    });
    if (options.requestId) headers.set(HEADERS.requestId, options.requestId);
    if (options.correlationId) headers.set(HEADERS.correlationId, options.correlationId);

    const url = `${this.endpoint}/v1/customers/${encodeURIComponent(customerTenantId)}/organization`;
    const response = await this.#send({ method: 'GET', url, headers, abortSignal: options.abortSignal });
    if (response.status < 200 || response.status > 299) throw PartnerCenterError.fromResponse(response);
    return readOrganizations(response);
  }
}
