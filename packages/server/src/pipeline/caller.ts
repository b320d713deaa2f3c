import type { PartnerTenant } from '../domain/model.js';

/** The authenticated caller, as the token describes it. */
export interface Caller {
  partner: PartnerTenant;
  objectId: string;
  appOnly: boolean;
  /** The token's appid/azp. */
  clientId: string | undefined;
  /** A UPN for users, the app's name or client id for apps: how explanations name the caller. */
  name: string;
  /** When the token expires (epoch ms): the caller must not be remembered past it. */
  expiresAtMs: number;
}
