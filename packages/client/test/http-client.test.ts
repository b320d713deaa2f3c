/**
 * The client over an injected HttpClient, no server: what each attempt carries (ids stable across
 * retries, the bearer token, the caller's headers), the retry on 503 with Retry-After 0, and errors
 * parsed from the answer. Behaviour that involves pcapi itself is tested against a real pcapi.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPartnerCenterError, PartnerCenterClient, StaticTokenCredential, type HttpClient, type PipelineRequest, type PipelineResponse } from '../src/index.js';

const CONTOSO = '13bba13f-49f8-49aa-8a22-1fe70d695fcb';
const ORGANIZATION = [{ street: '1 Microsoft Way', countryLetterCode: 'US', postalCode: '98052-8300', city: 'Redmond', state: 'WA', displayName: 'Contoso', technicalNotificationMails: ['test@contoso.com'] }];

/** Answers each attempt from a script, and records what was sent. */
function scripted(answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>): HttpClient & { sent: PipelineRequest[] } {
  const sent: PipelineRequest[] = [];
  return {
    sent,
    async sendRequest(request): Promise<PipelineResponse> {
      sent.push(request);
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
      return { request, status: answer.status, statusText: '', headers: new Headers({ 'content-type': 'application/json', ...answer.headers }), bodyText: JSON.stringify(answer.body) };
    },
  };
}

test('each attempt goes through the injected HttpClient, with the token and ids; a 503 is retried', async () => {
  const http = scripted([{ status: 503, body: { code: 503, description: 'busy', data: [], source: 'PartnerFD' }, headers: { 'retry-after': '0' } }, { status: 200, body: ORGANIZATION }]);
  const client = new PartnerCenterClient('https://api.partnercenter.microsoft.com', new StaticTokenCredential('token-123'), { httpClient: http });
  const organizations = await client.getCustomerOrganization(CONTOSO, { correlationId: '11111111-2222-4333-8444-555555555555' });
  assert.equal(organizations[0]?.displayName, 'Contoso');
  assert.equal(http.sent.length, 2);
  for (const request of http.sent) {
    assert.equal(request.method, 'GET');
    assert.equal(request.url, `https://api.partnercenter.microsoft.com/v1/customers/${CONTOSO}/organization`);
    assert.equal(request.headers.get('authorization'), 'Bearer token-123');
    assert.equal(request.headers.get('ms-correlationid'), '11111111-2222-4333-8444-555555555555');
  }
  assert.equal(http.sent[0]!.headers.get('ms-requestid'), http.sent[1]!.headers.get('ms-requestid'), 'one MS-RequestId for every attempt');
});

test('a denial from the injected HttpClient becomes a PartnerCenterError with the checks', async () => {
  const http = scripted([{ status: 403, body: { code: 900308, description: 'Insufficient privileges', data: ['failed: no GDAP'], source: 'PartnerFD' } }]);
  const client = new PartnerCenterClient('https://api.partnercenter.microsoft.com', new StaticTokenCredential('t'), { httpClient: http });
  await assert.rejects(client.getCustomerOrganization(CONTOSO), (error: unknown) => {
    assert.ok(isPartnerCenterError(error));
    assert.equal(error.statusCode, 403);
    assert.equal(error.code, 900308);
    assert.deepEqual(error.data, ['failed: no GDAP']);
    return true;
  });
  assert.equal(http.sent.length, 1, 'a 403 is not retried');
});
