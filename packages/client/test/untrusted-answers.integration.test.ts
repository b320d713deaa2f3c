/**
 * What the client does with answers it should not trust, from a real HTTP server on loopback that
 * answers as a broken proxy or a hostile server would: 200s that are not organizations, redirects,
 * bodies of megabytes, token endpoints that never answer, and bodies or tokens that would put a
 * credential into an error message.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import {
  ClientSecretCredential, isAuthenticationError, isPartnerCenterError, PartnerCenterClient, ResponseTooLargeError, StaticTokenCredential,
} from '../src/index.js';

const CONTOSO = '13bba13f-49f8-49aa-8a22-1fe70d695fcb';
const ORGANIZATION = { street: '1 Microsoft Way', countryLetterCode: 'US', postalCode: '98052', city: 'Redmond', state: 'WA', displayName: 'Contoso', technicalNotificationMails: ['a@contoso.com'] };

/** A server answering every request with `handler`; returns its base URL and the requests it saw. */
async function serve(t: TestContext, handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    seen.push(request);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const clientOf = (url: string, token = 'token-abc') => new PartnerCenterClient(url, new StaticTokenCredential(token), { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
const json = (body: unknown) => (_request: IncomingMessage, response: ServerResponse) => response.setHeader('content-type', 'application/json').end(JSON.stringify(body));

test('a 200 that is not organizations is a PartnerCenterError, not data; an organization or a list of them is read', async (t) => {
  for (const body of [{ error: 'oops' }, { totalCount: 1, items: [ORGANIZATION] }, [{ ...ORGANIZATION, displayName: 5 }], [{ ...ORGANIZATION, technicalNotificationMails: 'a' }], [], 'text']) {
    const { url } = await serve(t, json(body));
    await assert.rejects(clientOf(url).getCustomerOrganization(CONTOSO), (error: unknown) => {
      assert.ok(isPartnerCenterError(error), String(error));
      assert.equal(error.statusCode, 200);
      assert.match(error.message, /not a list of organizations/);
      return true;
    }, JSON.stringify(body));
  }
  const empty = await serve(t, (_request, response) => response.end());
  await assert.rejects(clientOf(empty.url).getCustomerOrganization(CONTOSO), (error: unknown) => isPartnerCenterError(error) && /body is empty/.test(error.message));
  for (const body of [[ORGANIZATION], ORGANIZATION]) {
    const { url } = await serve(t, json(body));
    assert.deepEqual(await clientOf(url).getCustomerOrganization(CONTOSO), [ORGANIZATION]);
  }
});

test('a redirect is not followed: the token stays home, and the other answer is not taken for the organization', async (t) => {
  const elsewhere = await serve(t, json([{ ...ORGANIZATION, displayName: 'from elsewhere' }]));
  for (const [status, location] of [[302, `${elsewhere.url}/x`], [307, '/elsewhere'], [308, `${elsewhere.url}/y`]] as const) {
    const redirecting = await serve(t, (request, response) => {
      if (request.url === '/elsewhere') return json([{ ...ORGANIZATION, displayName: 'same host, elsewhere' }])(request, response);
      response.writeHead(status, { location }).end();
    });
    await assert.rejects(clientOf(redirecting.url).getCustomerOrganization(CONTOSO), (error: unknown) => isPartnerCenterError(error) && error.statusCode === status);
    assert.equal(redirecting.seen.length, 1, 'the redirect target was not asked');
  }
  assert.equal(elsewhere.seen.length, 0);
});

test('a body over 1 MiB is not read: ResponseTooLargeError, whether declared or streamed', async (t) => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const streaming = await serve(t, (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const send = () => {
      while (!response.destroyed && response.write(chunk));
    };
    response.on('drain', send);
    send();
  });
  const declared = await serve(t, (_request, response) => response.writeHead(200, { 'content-length': String(200 * 1024 * 1024) }).write('['));
  for (const { url } of [streaming, declared]) {
    await assert.rejects(clientOf(url).getCustomerOrganization(CONTOSO), (error: unknown) => error instanceof ResponseTooLargeError && error.statusCode === 200);
  }
});

test('a token endpoint that never answers fails that call after the timeout, and the next call asks again', async (t) => {
  let tokenRequests = 0;
  const api = await serve(t, json([ORGANIZATION]));
  const issuer = await serve(t, (_request, response) => {
    tokenRequests++;
    // The first token request hangs; later ones are answered.
    if (tokenRequests === 1) return;
    json({ token_type: 'Bearer', access_token: 'fresh-token', expires_in: 3600 })(_request, response);
  });
  const credential = new ClientSecretCredential('fabrikam.example', 'app', 'secret', { authorityHost: issuer.url, allowInsecureConnection: true, tokenRequestTimeoutInMs: 300 });
  const client = new PartnerCenterClient(api.url, credential, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
  await assert.rejects(client.getCustomerOrganization(CONTOSO), (error: unknown) => isAuthenticationError(error) && /did not answer within 0.3 s/.test(error.message));
  assert.deepEqual(await client.getCustomerOrganization(CONTOSO), [ORGANIZATION]);
  assert.equal(tokenRequests, 2);
  assert.equal(api.seen.at(-1)!.headers.authorization, 'Bearer fresh-token');
});

test('no error message carries a credential: a token with a line break, a proxy body echoing the Authorization header', async (t) => {
  const api = await serve(t, json([ORGANIZATION]));
  await assert.rejects(clientOf(api.url, 'SECRET-abc\nxyz').getCustomerOrganization(CONTOSO), (error: unknown) => {
    assert.doesNotMatch(String((error as Error).message), /SECRET/);
    assert.match(String((error as Error).message), /cannot be sent in an Authorization header/);
    return true;
  });
  assert.equal(api.seen.length, 0, 'nothing sent');
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  const echoing = await serve(t, (request, response) => response.writeHead(401, { 'content-type': 'text/html' }).end(`<html><body>Unauthorized ${request.headers.authorization} (token ${jwt})</body></html>`));
  await assert.rejects(clientOf(echoing.url, 'SECRET-TOKEN-abc123').getCustomerOrganization(CONTOSO), (error: unknown) => {
    assert.ok(isPartnerCenterError(error));
    assert.equal(error.statusCode, 401);
    assert.doesNotMatch(error.message, /SECRET-TOKEN|eyJhbGci/);
    assert.match(error.message, /Bearer \[redacted\]/);
    return true;
  });
});
