/**
 * The request and response that policies pass along, and how the fixed list of policies becomes one
 * send function. A policy sees the request before the policies after it, and their response after.
 */

export interface PipelineRequest {
  readonly method: string;
  readonly url: string;
  /** Mutable on purpose: each policy adds the headers it owns (ids, Authorization). */
  readonly headers: Headers;
  readonly abortSignal?: AbortSignal | undefined;
}

export interface PipelineResponse {
  readonly request: PipelineRequest;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** The whole body as text. This API's bodies are small, and errors need the text to be parsed. */
  readonly bodyText: string;
}

export type SendRequest = (request: PipelineRequest) => Promise<PipelineResponse>;

/**
 * What sends a request and reads its answer, as the Azure SDK's `HttpClient`: the platform's `fetch`
 * by default; inject another to test code without a server, or to route through a proxy or agent.
 */
export interface HttpClient {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

export interface PipelinePolicy {
  readonly name: string;
  sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse>;
}

/** Chains `policies` in array order in front of `transport`. */
export function createPipeline(policies: readonly PipelinePolicy[], transport: SendRequest): SendRequest {
  return policies.reduceRight<SendRequest>((next, policy) => (request) => policy.sendRequest(request, next), transport);
}
