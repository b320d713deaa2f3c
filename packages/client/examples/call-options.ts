// A token obtained elsewhere, and every option a call takes:
//   PCAPI_TOKEN=$(npx pcapi token --user admin@fabrikam.example) npx tsx packages/client/examples/call-options.ts
import { randomUUID } from 'node:crypto';
import { PartnerCenterClient, StaticTokenCredential } from '@pcapi/client';

const pcapiUrl = process.env.PCAPI_URL ?? 'http://127.0.0.1:8080';
const client = new PartnerCenterClient(pcapiUrl, new StaticTokenCredential(process.env.PCAPI_TOKEN ?? ''), {
  allowInsecureConnection: true,
  applicationName: 'Fabrikam nightly sync', // MS-PartnerCenter-Application on every call
  retryOptions: { maxRetries: 5, retryDelayInMs: 800, maxRetryDelayInMs: 60_000 },
});

const correlationId = randomUUID(); // one MS-CorrelationId for a batch of related calls
const organizations = await client.getCustomerOrganization('13bba13f-49f8-49aa-8a22-1fe70d695fcb', {
  correlationId,
  requestId: randomUUID(), // normally left out: a new one per call, the same on each retry
  locale: 'en-GB', // X-Locale
  abortSignal: AbortSignal.timeout(30_000), // give up after 30 s, retries included
});
console.log(correlationId, organizations[0]?.displayName);
