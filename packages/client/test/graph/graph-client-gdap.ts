/**
 * A GDAP set-up as a partner's tool does it, with Microsoft's unmodified Graph SDK
 * (@microsoft/microsoft-graph-client) and @azure/identity pointed at pcapi: create a relationship,
 * lock it for approval, the customer's administrator approves it, a new security group holding a
 * new agent gets an access assignment; then Partner Center answers that agent, until terminate.
 * Run by graph-client.integration.test.ts in a child process (NODE_EXTRA_CA_CERTS); prints one JSON line.
 */
import { ClientSecretCredential, UsernamePasswordCredential, type TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';

const url = process.env.PCAPI_URL!;
const FABRIKAM = '2c01706f-53f9-43ed-a5e3-50fe9b93e511';
const FABRIKAM_AUTOMATION = '5cb9b94d-825a-47d7-830b-7226f428175e';
const LITWARE = 'a37498d5-9fac-4190-8428-523bb25d1ade';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const SECRET = 'pcapi-demo';
// pcapi is the authority: no instance discovery against login.microsoftonline.com.
const identityOptions = { authorityHost: url, disableInstanceDiscovery: true };

function graphClient(credential: TokenCredential): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] });
  // customHosts: the SDK attaches tokens only to Graph's hosts and these.
  return Client.initWithMiddleware({ authProvider, baseUrl: `${url}/`, defaultVersion: 'v1.0', customHosts: new Set([new URL(url).hostname]) });
}

const partner = graphClient(new ClientSecretCredential(FABRIKAM, FABRIKAM_AUTOMATION, SECRET, identityOptions));
const customer = graphClient(new UsernamePasswordCredential(LITWARE, AZURE_CLI, 'admin@litware.example', SECRET, identityOptions));
const relationships = '/tenantRelationships/delegatedAdminRelationships';
const statuses: Record<string, string> = {};

const created = await partner.api(relationships).post({
  displayName: 'Litware readers (Graph)', duration: 'P730D', customer: { tenantId: LITWARE },
  accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_READER }] },
});
statuses.created = created.status;
await partner.api(`${relationships}/${created.id}/requests`).post({ action: 'lockForApproval' });
statuses.locked = (await partner.api(`${relationships}/${created.id}`).get()).status;
const approval = await customer.api(`${relationships}/${created.id}/requests`).post({ action: 'approve' });
statuses.approvalRequest = approval.status;
const active = await partner.api(`${relationships}/${created.id}`).get();
statuses.approved = active.status;

const group = await partner.api('/groups').post({ displayName: 'GDAP Litware Readers', mailNickname: 'gdap-litware-readers', mailEnabled: false, securityEnabled: true });
const [agent] = (await partner.api('/users').filter("userPrincipalName eq 'guest@fabrikam.example'").get()).value;
const [adminAgents] = (await partner.api('/groups').filter("displayName eq 'AdminAgents'").get()).value;
for (const groupId of [adminAgents.id, group.id]) {
  await partner.api(`/groups/${groupId}/members/$ref`).post({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${agent.id}` });
}

// The agent's own Partner Center token (Fabrikam Automation allows public-client flows).
const agentCredential = new UsernamePasswordCredential(FABRIKAM, FABRIKAM_AUTOMATION, 'guest@fabrikam.example', SECRET, identityOptions);
const organization = async () => {
  const { token } = (await agentCredential.getToken('https://api.partnercenter.microsoft.com/user_impersonation'))!;
  return (await fetch(`${url}/v1/customers/${LITWARE}/organization`, { headers: { authorization: `Bearer ${token}` } })).status;
};
const beforeAssignment = await organization();
const assignment = await partner.api(`${relationships}/${created.id}/accessAssignments`).post({
  accessContainer: { accessContainerId: group.id, accessContainerType: 'securityGroup' },
  accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_READER }] },
});
statuses.assignment = assignment.status;
const afterAssignment = await organization();
await partner.api(`${relationships}/${created.id}/requests`).post({ action: 'terminate' });
const afterTerminate = await organization();
statuses.terminated = (await partner.api(`${relationships}/${created.id}`).get()).status;

console.log(JSON.stringify({ statuses, endDateTime: active.endDateTime, beforeAssignment, afterAssignment, afterTerminate }));
