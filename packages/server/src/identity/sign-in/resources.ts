/**
 * The resources this issuer mints tokens for and how a request names them: v2 `scope`
 * ("https://api.partnercenter.microsoft.com/user_impersonation", "User.Read", ".default") or v1
 * `resource` ("https://api.partnercenter.microsoft.com"). Pure: no store, no HTTP.
 */
import { PARTNER_CENTER_APP_ID, PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';

export interface Resource {
  /** The App ID URI, the `aud` of its tokens. */
  uri: string;
  appId: string;
  displayName: string;
  /** Delegated permissions a user can consent to; `.default` stands for all of them. */
  delegated: string[];
}

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Microsoft Graph's application id: a scope may name the resource by it. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const RESOURCES: readonly Resource[] = [
  { uri: PARTNER_CENTER_RESOURCE, appId: PARTNER_CENTER_APP_ID, displayName: 'Microsoft Partner Center', delegated: ['user_impersonation'] },
  {
    uri: GRAPH_RESOURCE, appId: GRAPH_APP_ID, displayName: 'Microsoft Graph',
    delegated: [
      'User.Read', 'User.Read.All', 'Directory.Read.All', 'Directory.AccessAsUser.All', 'DelegatedAdminRelationship.Read.All',
      'DelegatedAdminRelationship.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All',
    ],
  },
  { uri: 'https://graph.windows.net', appId: '00000002-0000-0000-c000-000000000000', displayName: 'Azure Active Directory Graph', delegated: ['user_impersonation', 'Directory.AccessAsUser.All'] },
];

/** OpenID Connect scopes: about the sign-in itself, not a resource. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export function findResource(name: string): Resource | undefined {
  const key = name.replace(/\/+$/, '').toLowerCase();
  return RESOURCES.find((r) => r.uri.toLowerCase() === key || r.appId === key);
}

/** One resource's permissions, as requested. */
export interface ResourceRequest {
  resource: Resource;
  /** Permission names in the client's casing (MSAL compares scope strings); `.default` kept as such. */
  permissions: string[];
}

export interface ParsedScopes {
  oidc: string[];
  /** Every resource named, in order of first mention (/authorize may name several). */
  resources: ResourceRequest[];
}

export class ScopeError extends Error {
  constructor(readonly kind: 'unknown_resource' | 'unknown_permission' | 'malformed', readonly value: string) {
    super(kind);
  }
}

/** Splits a v2 `scope` string. A scope without a resource prefix is Microsoft Graph's, as at Entra. */
export function parseScopes(scope: string | undefined): ParsedScopes {
  const words = (scope ?? '').split(' ').filter((word) => word !== '');
  const parsed: ParsedScopes = { oidc: [], resources: [] };
  for (const word of words) {
    if (OIDC_SCOPES.has(word.toLowerCase())) {
      if (!parsed.oidc.includes(word.toLowerCase())) parsed.oidc.push(word.toLowerCase());
      continue;
    }
    const slash = word.lastIndexOf('/');
    const resourceName = slash > 0 ? word.slice(0, slash) : GRAPH_RESOURCE;
    const permission = slash > 0 ? word.slice(slash + 1) : word;
    const resource = findResource(resourceName);
    if (!resource) throw new ScopeError('unknown_resource', resourceName);
    if (permission === '') throw new ScopeError('malformed', word);
    if (permission !== '.default' && !resource.delegated.some((p) => p.toLowerCase() === permission.toLowerCase())) {
      throw new ScopeError('unknown_permission', word);
    }
    let entry = parsed.resources.find((r) => r.resource === resource);
    if (!entry) parsed.resources.push((entry = { resource, permissions: [] }));
    if (!entry.permissions.some((p) => p.toLowerCase() === permission.toLowerCase())) entry.permissions.push(permission);
  }
  return parsed;
}

/** A v1 `resource` parameter as the equivalent request: every delegated permission of it. */
export function parseV1Resource(resource: string): ResourceRequest {
  const found = findResource(resource);
  if (!found) throw new ScopeError('unknown_resource', resource);
  return { resource: found, permissions: ['.default'] };
}

/** Delegated permissions as stored in consents: "resource/permission", `.default` expanded. */
export function consentScopes(request: ResourceRequest): string[] {
  const names = request.permissions.includes('.default') ? request.resource.delegated : request.permissions;
  return names.map((name) => `${request.resource.uri}/${request.resource.delegated.find((p) => p.toLowerCase() === name.toLowerCase()) ?? name}`);
}

/** The permissions of `request` that `granted` ("resource/permission" strings) does not cover. */
export function missingConsent(request: ResourceRequest, granted: Iterable<string>): string[] {
  const have = new Set([...granted].map((s) => s.toLowerCase()));
  const wanted = request.permissions.includes('.default') ? [consentScopes(request)[0]!] : consentScopes(request);
  return wanted.filter((scope) => !have.has(scope.toLowerCase()));
}

/** The `scp` claim: the permissions granted for this resource, space-separated. */
export function grantedPermissions(request: ResourceRequest, granted: Iterable<string>): string[] {
  const prefix = `${request.resource.uri.toLowerCase()}/`;
  const mine = [...granted].filter((s) => s.toLowerCase().startsWith(prefix)).map((s) => s.slice(prefix.length));
  return mine.length > 0 ? mine : request.permissions.filter((p) => p !== '.default');
}

/** The `scope` a token response reports: the requested names, resource-qualified, plus OIDC scopes asked. */
export function responseScope(request: ResourceRequest, oidc: string[]): string {
  const names = request.permissions.map((p) => (request.resource.uri === GRAPH_RESOURCE && p !== '.default' ? p : `${request.resource.uri}/${p}`));
  return [...names, ...oidc].join(' ');
}

/**
 * What a sign-in asks consent for: the resources its v1 `resource` or v2 `scope` names. A request
 * naming none (only OIDC scopes, or v1 without `resource`, as the SAM consent samples sign in)
 * stands for the permissions a Partner Center app registers: Partner Center's user_impersonation
 * and Graph's User.Read (Entra uses the app's configured permissions; see docs/parity.md).
 */
export function requestedResources(request: { scope?: string | null; resource?: string | null }): ResourceRequest[] {
  if (request.resource) return [parseV1Resource(request.resource)];
  const named = request.resource === undefined ? parseScopes(request.scope ?? undefined).resources : [];
  if (named.length > 0) return named;
  return [
    { resource: RESOURCES[0]!, permissions: ['user_impersonation'] },
    { resource: RESOURCES[1]!, permissions: ['User.Read'] },
  ];
}

/**
 * The permissions a consent grants: those requested, plus Graph's User.Read, which Entra includes in
 * every first consent (sign-in and reading the user's own profile).
 */
export function permissionsToConsent(requests: ResourceRequest[]): string[] {
  const scopes = requests.flatMap(consentScopes);
  const userRead = `${GRAPH_RESOURCE}/User.Read`;
  return scopes.some((s) => s.toLowerCase() === userRead.toLowerCase()) ? scopes : [...scopes, userRead];
}

/**
 * Microsoft Graph application permissions an app can be granted in a seed (`graphPermissions`,
 * seed.schema.json lists the same): the `roles` of its app-only Graph tokens.
 */
export const GRAPH_APPLICATION_PERMISSIONS = [
  'Application.Read.All', 'DelegatedAdminRelationship.Read.All', 'DelegatedAdminRelationship.ReadWrite.All', 'Directory.Read.All',
  'Directory.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'User.Read.All',
] as const;
