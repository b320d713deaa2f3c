/**
 * First in the chain, before retry: gives the call its `MS-RequestId` and `MS-CorrelationId` once,
 * so every retry of the call carries the same ids and Partner Center can tell a retry from a new call.
 */
import { HEADERS } from '@pcapi/contracts';
import type { PipelinePolicy } from '../pipeline.js';

/** The Web Crypto API's UUID: in Node (20+), browsers and other runtimes alike, so the client bundles anywhere. */
const randomUUID = () => globalThis.crypto.randomUUID();

export function requestIdsPolicy(newId: () => string = randomUUID): PipelinePolicy {
  return {
    name: 'requestIds',
    sendRequest(request, next) {
      // Ids the caller chose (options.requestId / correlationId) are already set and win.
      if (!request.headers.has(HEADERS.requestId)) request.headers.set(HEADERS.requestId, newId());
      if (!request.headers.has(HEADERS.correlationId)) request.headers.set(HEADERS.correlationId, newId());
      return next(request);
    },
  };
}
