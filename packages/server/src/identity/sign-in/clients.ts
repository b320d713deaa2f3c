/**
 * The apps users sign in to: a partner's own registrations (from the store) and the Microsoft
 * first-party public clients partners' tools use unchanged (Azure CLI: @azure/identity's and the
 * Partner Center PowerShell module's default; Azure PowerShell). First-party apps exist in every
 * tenant and need no consent, as at Entra.
 */
import type { PrincipalCredential } from '../../domain/model.js';

export interface SignInClient {
  clientId: string;
  displayName: string;
  redirectUris: string[];
  /** Public-client flows (no secret) allowed. */
  publicClient: boolean;
  /** The registration's secret hash; null for first-party and secretless apps. */
  credentialHash: string | null;
  firstParty: boolean;
}

const NATIVE_REDIRECTS = ['http://localhost', 'urn:ietf:wg:oauth:2.0:oob', 'https://login.microsoftonline.com/common/oauth2/nativeclient'];

export const FIRST_PARTY_CLIENTS: readonly SignInClient[] = [
  { clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', displayName: 'Microsoft Azure CLI', redirectUris: NATIVE_REDIRECTS, publicClient: true, credentialHash: null, firstParty: true },
  { clientId: '1950a258-227b-4e31-a9cf-717495945fc2', displayName: 'Microsoft Azure PowerShell', redirectUris: NATIVE_REDIRECTS, publicClient: true, credentialHash: null, firstParty: true },
];

export function firstPartyClient(clientId: string): SignInClient | undefined {
  return FIRST_PARTY_CLIENTS.find((client) => client.clientId === clientId.toLowerCase());
}

export function registeredClient(app: PrincipalCredential): SignInClient {
  return {
    clientId: app.clientId!, displayName: app.displayName, redirectUris: app.redirectUris, publicClient: app.publicClient,
    credentialHash: app.credentialHash, firstParty: false,
  };
}
