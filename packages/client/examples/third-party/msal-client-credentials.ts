// @azure/msal-node, unchanged, getting app-only tokens from pcapi (client credentials grant).
// MSAL only talks https, so pcapi is served with a certificate that Node is told to trust:
//   npx pcapi serve --tls-cert cert.pem --tls-key key.pem --port 8443
//   NODE_EXTRA_CA_CERTS=cert.pem npx tsx msal-client-credentials.ts
import { ConfidentialClientApplication } from '@azure/msal-node';
import { PartnerCenterClient, type TokenCredential } from '@pcapi/client';

const pcapiUrl = process.env.PCAPI_URL ?? 'https://localhost:8443';
const msal = new ConfidentialClientApplication({
  auth: {
    clientId: '5cb9b94d-825a-47d7-830b-7226f428175e', // pcapi's demo app "Fabrikam Automation"
    clientSecret: 'pcapi-demo',
    authority: `${pcapiUrl}/fabrikam.example`, // {authority host}/{tenant id or domain}, as with Entra
    knownAuthorities: [new URL(pcapiUrl).host], // host:port; without it MSAL asks login.microsoftonline.com
  },
});

// MSAL as a TokenCredential: it caches the token and gets a new one when this one runs out.
const credential: TokenCredential = {
  async getToken(scopes) {
    const result = await msal.acquireTokenByClientCredential({ scopes: [scopes].flat() });
    return result && { token: result.accessToken, expiresOnTimestamp: result.expiresOn?.getTime() ?? Date.now() };
  },
};
const client = new PartnerCenterClient(pcapiUrl, credential);

const organizations = await client.getCustomerOrganization('13bba13f-49f8-49aa-8a22-1fe70d695fcb');
console.log(JSON.stringify(organizations));
