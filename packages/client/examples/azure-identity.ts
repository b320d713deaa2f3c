// Any @azure/identity credential plugs in unchanged. Against real Partner Center that is typically
//   new PartnerCenterClient('global', new DefaultAzureCredential())
// Here it is pointed at a pcapi served over https (MSAL, inside @azure/identity, refuses http):
//   npx pcapi serve --tls-cert cert.pem --tls-key key.pem --port 8443
//   NODE_EXTRA_CA_CERTS=cert.pem npx tsx azure-identity.ts
import { ClientSecretCredential } from '@azure/identity';
import { PartnerCenterClient } from '@pcapi/client';

const pcapiUrl = process.env.PCAPI_URL ?? 'https://localhost:8443';
// pcapi's demo app "Fabrikam Automation", in the demo partner tenant Fabrikam.
const credential = new ClientSecretCredential('fabrikam.example', '5cb9b94d-825a-47d7-830b-7226f428175e', 'pcapi-demo', {
  authorityHost: pcapiUrl,
  disableInstanceDiscovery: true, // pcapi is not a Microsoft cloud that MSAL can discover
});
const client = new PartnerCenterClient(pcapiUrl, credential);

const organizations = await client.getCustomerOrganization('13bba13f-49f8-49aa-8a22-1fe70d695fcb');
console.log(JSON.stringify(organizations));
