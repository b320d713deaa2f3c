/**
 * Microsoft Entra built-in role template ids. The first three are the GDAP roles that
 * "Get a customer organization" accepts; the rest let seed files name roles by display name.
 */
export const ENTRA_ROLES: Readonly<Record<string, string>> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Directory Writers': '9360feb5-f418-4baa-8175-e2a00bac4301',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  'Directory Readers': '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Billing Administrator': 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
  'License Administrator': '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
  'Password Administrator': '966707d0-3269-4727-9be2-8c3a10f19b9d',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'Security Reader': '5d6b6bb7-de71-4623-b4af-96380a352509',
  'Service Support Administrator': 'f023fd81-a637-4b56-95fd-791ac0226033',
  'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
  'SharePoint Administrator': 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  'Teams Administrator': '69091246-20e8-4a56-aa4d-066075b2a7a8',
  'Intune Administrator': '3a2c62db-5318-420d-8d74-23affee5d9d5',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Reports Reader': '4a5d8f65-41da-4de4-8968-e035b65339cf',
};

/** GDAP roles that grant "Get a customer organization" (any one suffices). */
export const ACCEPTED_GDAP_ROLES: readonly { id: string; name: string }[] = [
  { id: ENTRA_ROLES['Global Administrator']!, name: 'Global Administrator' },
  { id: ENTRA_ROLES['Directory Writers']!, name: 'Directory Writers' },
  { id: ENTRA_ROLES['Global Reader']!, name: 'Global Reader' },
];

const ROLE_NAMES_BY_ID = new Map(Object.entries(ENTRA_ROLES).map(([name, id]) => [id, name]));

/** A role's display name when known, else its id. */
export function roleDisplayName(roleDefinitionId: string): string {
  return ROLE_NAMES_BY_ID.get(roleDefinitionId.toLowerCase()) ?? roleDefinitionId;
}

/** Partner agent groups ("partner authentication"). */
export const AGENT_ROLES = ['AdminAgents', 'HelpdeskAgents', 'SalesAgents'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/** Partner Center's resource: tokens must carry one of these as `aud`. */
export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';
export const PARTNER_CENTER_APP_ID = 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd';
