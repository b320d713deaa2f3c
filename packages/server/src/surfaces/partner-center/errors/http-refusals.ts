/**
 * Refusals written before Fastify sees a request. Node's HTTP parser reports what it rejects
 * (malformed messages, headers over the size limit, the header and request timeouts, method tokens it
 * does not know) on the server's 'clientError' event, and hands CONNECT to its 'connect' event; left
 * alone, Node and Fastify answer those with bodies of their own. Here each gets a complete HTTP/1.1
 * response from the catalog, with fresh MS-* ids, and the connection is closed.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../../clock.js';
import { correlationVectorFrom } from '../request-context.js';
import { ApiError } from './api-error.js';
import { renderError } from './render.js';

export interface HttpRefusalOptions {
  /** The process's MS-ServerId, as on every other response. */
  serverId: string;
  clock: Clock;
  realm: string;
  explain: () => boolean;
  /** What a method the router never sees gets on a request target (405 on a known resource, else 404). */
  methodRefusalFor: (requestTarget: string) => ApiError;
  /** How long a request line may grow while pcapi waits for its end (Node's header size limit). */
  maxRequestLineBytes: number;
}

/** What Node passes to 'clientError': a parser error (HPE_*), its request timeout, or a socket error. */
export interface ClientError extends Error {
  code?: string;
  bytesParsed?: number;
  rawPacket?: unknown;
  reason?: string;
}

/** Node keeps the response in progress on the socket; a second response cannot follow one already begun. */
type ServerSocket = Duplex & { _httpMessage?: ServerResponse | null };

const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^(\S+) (\S+) HTTP\/\d\.\d\r?$/;
const LINE_FEED = 0x0a;

export function makeHttpRefusals(options: HttpRefusalOptions) {
  const answered = new WeakSet<Duplex>();
  /** The start of a request line whose method Node rejected, kept until its target arrives. */
  const partialRequestLines = new WeakMap<Duplex, Buffer>();

  function responseBytes(error: ApiError): Buffer {
    const rendered = renderError(error, { realm: options.realm, explain: options.explain() });
    const body = JSON.stringify(rendered.body);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'ms-requestid': randomUUID(),
      'ms-correlationid': randomUUID(),
      'ms-cv': correlationVectorFrom(undefined),
      'ms-serverid': options.serverId,
      ...rendered.headers,
      date: new Date(options.clock.now()).toUTCString(),
      connection: 'close',
    };
    let head = `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? ''}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    return Buffer.from(`${head}\r\n${body}`, 'utf8');
  }

  function answer(socket: Duplex, error: ApiError): void {
    answered.add(socket);
    partialRequestLines.delete(socket);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // FIN after the answer, then close once it is written.
    socket.end(responseBytes(error), () => socket.destroy());
  }

  /**
   * A method token Node's parser does not know (it knows a fixed list, which differs between Node
   * versions: QUERY is new). The answer depends on the target, so the request line is read from the
   * bytes received, waiting for more when it is not complete yet (the header timeout still applies).
   */
  function unknownMethodRefusal(error: ClientError, socket: Duplex): ApiError | undefined {
    const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : Buffer.alloc(0);
    const earlier = partialRequestLines.get(socket);
    let received: Buffer;
    if (earlier) {
      received = Buffer.concat([earlier, packet]);
    } else {
      // The packet may begin with earlier requests of a keep-alive connection: start at the rejected line.
      const errorAt = Math.max(0, (error.bytesParsed ?? 0) - 1);
      received = packet.subarray(packet.lastIndexOf(LINE_FEED, errorAt) + 1);
    }
    const lineEnd = received.indexOf(LINE_FEED);
    if (lineEnd < 0) {
      if (received.length > options.maxRequestLineBytes) return new ApiError('requestHeadersTooLarge', ['failed: the request line is over the size limit']);
      partialRequestLines.set(socket, Buffer.from(received));
      return undefined;
    }
    const requestLine = REQUEST_LINE.exec(received.subarray(0, lineEnd).toString('latin1'));
    if (!requestLine || !METHOD_TOKEN.test(requestLine[1]!)) {
      return new ApiError('badRequest', ['failed: the request line is not METHOD TARGET HTTP-VERSION with a method token']);
    }
    return options.methodRefusalFor(requestLine[2]!);
  }

  function refusalFor(error: ClientError, socket: Duplex): ApiError | undefined {
    switch (error.code) {
      case 'HPE_HEADER_OVERFLOW':
        return new ApiError('requestHeadersTooLarge', ['failed: the request line and headers are over the size limit']);
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        return new ApiError('requestTimeout', ['failed: the request headers or body did not arrive within the time limit']);
      case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
        return new ApiError('payloadTooLarge', ['failed: the chunk extensions are over the size limit']);
      case 'HPE_INVALID_METHOD':
        return unknownMethodRefusal(error, socket);
      default: {
        // llhttp's reasons are fixed words ("Invalid header value char"), never the request's bytes.
        const reason = (error.reason ?? '').replace(/[^\x20-\x7e]/g, '').slice(0, 120);
        return new ApiError('badRequest', [`failed: the request is not valid HTTP/1.1${reason ? ` (${reason})` : ''}`]);
      }
    }
  }

  return {
    /** Fastify's clientErrorHandler. */
    onClientError(error: ClientError, socket: Duplex): void {
      if (socket.destroyed) return;
      // Socket failures (resets, broken pipes) leave nobody to answer; an answered socket is closing.
      const isParserRefusal = error.code?.startsWith('HPE_') === true || error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      if (!isParserRefusal || answered.has(socket)) {
        socket.destroy();
        return;
      }
      const refusal = refusalFor(error, socket);
      if (!refusal) return;
      const inFlight = (socket as ServerSocket)._httpMessage;
      if (inFlight && !inFlight.writableEnded) {
        if (inFlight.req.complete) {
          // A pipelined request is still being answered: the refusal of the next one follows it.
          answered.add(socket);
          inFlight.once('finish', () => answer(socket, refusal));
          return;
        }
        // This very request's answer has begun: nothing can follow it on this connection.
        if (inFlight.headersSent) {
          socket.destroy();
          return;
        }
      }
      answer(socket, refusal);
    },

    /** The server's 'connect' event: pcapi is no proxy, so CONNECT is a method like any other. */
    onConnect(request: IncomingMessage, socket: Duplex): void {
      // Node has let go of the socket: its errors are ours to absorb.
      socket.on('error', () => socket.destroy());
      answer(socket, options.methodRefusalFor(request.url ?? ''));
    },
  };
}

export type HttpRefusals = ReturnType<typeof makeHttpRefusals>;

/** Routes what Node would otherwise answer by itself through pcapi. */
export function installHttpRefusals(server: Server, refusals: HttpRefusals): void {
  server.on('connect', refusals.onConnect);
  // An Expect other than 100-continue: Node would answer 417 with an empty body; RFC 9110 §10.1.1
  // lets a server ignore expectations it does not know, so the request is served as any other.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response));
}
