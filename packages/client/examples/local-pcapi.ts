// A local pcapi (`npm start`): its token issuer sits at Entra's paths under its own URL, so the same
// ClientSecretCredential works with authorityHost set to pcapi's URL.
//   npx tsx local-pcapi.ts
import { ClientSecretCredential, PartnerCenterClient } from '@pcapi/client';

const pcapiUrl = process.env.PCAPI_URL ?? 'http://127.0.0.1:8080';
// pcapi's demo app "Fabrikam Automation", in the demo partner tenant Fabrikam.
const credential = new ClientSecretCredential('fabrikam.example', '5cb9b94d-825a-47d7-830b-7226f428175e', 'pcapi-demo', {
  authorityHost: pcapiUrl,
  allowInsecureConnection: true, // plain http on localhost: allow the secret to travel unencrypted
});
const client = new PartnerCenterClient(pcapiUrl, credential, { allowInsecureConnection: true }); // and the token

const organizations = await client.getCustomerOrganization('13bba13f-49f8-49aa-8a22-1fe70d695fcb');
console.log(JSON.stringify(organizations));
