// @azure/msal-node, unchanged, signing a user in with a password (resource owner password grant):
// an app+user token, as Partner Center's user-only operations need. Microsoft deprecates this flow
// (it cannot do MFA), but it is the one non-interactive user sign-in, so test rigs use it.
//   NODE_EXTRA_CA_CERTS=cert.pem npx tsx msal-username-password.ts
import { PublicClientApplication } from '@azure/msal-node';
import { PartnerCenterClient, StaticTokenCredential } from '@pcapi/client';

const pcapiUrl = process.env.PCAPI_URL ?? 'https://localhost:8443';
const msal = new PublicClientApplication({
  auth: {
    clientId: '5cb9b94d-825a-47d7-830b-7226f428175e', // an app registered in the user's tenant
    authority: `${pcapiUrl}/fabrikam.example`, // the user's tenant (`/organizations` works too)
    knownAuthorities: [new URL(pcapiUrl).host],
  },
});
const result = await msal.acquireTokenByUsernamePassword({
  scopes: ['https://api.partnercenter.microsoft.com/user_impersonation'],
  username: 'admin@fabrikam.example',
  password: 'pcapi-demo',
});
if (!result) throw new Error('MSAL returned no token');

const client = new PartnerCenterClient(pcapiUrl, new StaticTokenCredential(result.accessToken, result.expiresOn?.getTime()));
const organizations = await client.getCustomerOrganization('13bba13f-49f8-49aa-8a22-1fe70d695fcb');
console.log(result.account?.username, JSON.stringify(organizations));
