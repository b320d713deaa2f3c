// Every answer other than a success is a PartnerCenterError; the type guards tell the failures apart.
//   npx tsx handle-errors.ts [customer-tenant-id]
import { ClientSecretCredential, PartnerCenterClient, isAuthenticationError, isPartnerCenterError, isRequestSendError } from '@pcapi/client';

const pcapiUrl = process.env.PCAPI_URL ?? 'http://127.0.0.1:8080';
const credential = new ClientSecretCredential('fabrikam.example', '5cb9b94d-825a-47d7-830b-7226f428175e', 'pcapi-demo', {
  authorityHost: pcapiUrl,
  allowInsecureConnection: true,
});
const client = new PartnerCenterClient(pcapiUrl, credential, { allowInsecureConnection: true });

// Default: Tailspin Toys, whose GDAP relationship with Fabrikam has expired.
const customerTenantId = process.argv[2] ?? 'b0abd4ba-7eb9-48ee-96ec-7a88abdc3a82';
try {
  const [organization] = await client.getCustomerOrganization(customerTenantId);
  console.log(`Found ${organization?.displayName}`);
} catch (error) {
  if (isPartnerCenterError(error)) {
    console.log(`HTTP ${error.statusCode}, Partner Center code ${error.code}: ${error.description}`);
    for (const reason of error.data) console.log(`  ${String(reason)}`);
    if (error.statusCode === 429) console.log(`Throttled: try again in ${error.retryAfterInMs} ms`);
    console.log(`Quote MS-RequestId ${error.requestId} and MS-CorrelationId ${error.correlationId} to support.`);
  } else if (isAuthenticationError(error)) {
    console.log(`No token (HTTP ${error.statusCode ?? 'none'}): ${error.errorResponse?.errorDescription ?? error.message}`);
  } else if (isRequestSendError(error)) {
    console.log(`Partner Center could not be reached: ${error.message}`);
  } else {
    throw error; // a TypeError for a customer id that is not a GUID, an AbortError, or a bug
  }
  process.exitCode = 1;
}
