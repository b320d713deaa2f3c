// Real Partner Center, app-only, with a Microsoft Entra app registration's client secret:
//   AZURE_TENANT_ID=<partner tenant> AZURE_CLIENT_ID=<app id> AZURE_CLIENT_SECRET=<secret> \
//     npx tsx entra-client-secret.ts <customer-tenant-id>
import { ClientSecretCredential, PartnerCenterClient } from '@pcapi/client';

const env = process.env;
const credential = new ClientSecretCredential(env.AZURE_TENANT_ID ?? '', env.AZURE_CLIENT_ID ?? '', env.AZURE_CLIENT_SECRET ?? '', {
  authorityHost: env.AZURE_AUTHORITY_HOST, // unset: https://login.microsoftonline.com
});
const client = new PartnerCenterClient(env.PARTNER_CENTER_ENDPOINT ?? 'global', credential); // or 'china', or a URL

const [organization] = await client.getCustomerOrganization(process.argv[2] ?? '');
console.log(JSON.stringify(organization, null, 2));
