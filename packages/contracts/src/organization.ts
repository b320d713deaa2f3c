/**
 * The organization object of `GET /v1/customers/{customer-tenant-id}/organization`.
 * Key order is the wire order of the source document's example; servers must serialize in this order.
 */
export interface CustomerOrganization {
  street: string | null;
  countryLetterCode: string | null;
  postalCode: string | null;
  city: string | null;
  state: string | null;
  displayName: string | null;
  technicalNotificationMails: string[];
}

export const ORGANIZATION_KEYS = [
  'street',
  'countryLetterCode',
  'postalCode',
  'city',
  'state',
  'displayName',
  'technicalNotificationMails',
] as const satisfies readonly (keyof CustomerOrganization)[];
