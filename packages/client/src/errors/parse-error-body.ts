/**
 * Turns whatever an error response carried into Partner Center's four fields. Partner Center answers
 * `{code, description, data, source}`, its gateway `{statusCode, message}`, and proxies in between
 * sometimes an empty or HTML body; none of those may hide the status behind a JSON parse error.
 */

export interface ParsedErrorBody {
  /** Partner Center's code; for gateway bodies and unreadable bodies, the HTTP status (as pcapi's catalog does). */
  code: number;
  description: string;
  data: unknown[];
  source: string | undefined;
}

const SNIPPET_LENGTH = 200;

/**
 * Text for a human: tags and runs of whitespace removed, credentials a proxy may have echoed (a bearer
 * or basic header, anything shaped like a JWT) replaced, cut short. Error messages end up in logs.
 */
function snippet(text: string): string {
  const plain = text.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()
    .replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 [redacted]')
    .replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[redacted]');
  return plain.length > SNIPPET_LENGTH ? `${plain.slice(0, SNIPPET_LENGTH)}…` : plain;
}

function asCode(value: unknown): number | undefined {
  // The documentation types `code` as a string; the wire has a number. Accept both.
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseErrorBody(status: number, bodyText: string, statusText = ''): ParsedErrorBody {
  const fallback = (description: string): ParsedErrorBody => ({ code: status, description, data: [], source: undefined });
  // A UTF-8 byte-order mark is not JSON whitespace; some proxies and .NET stacks still send one.
  const text = bodyText.replace(/^\uFEFF/, '').trim();
  const label = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (text === '') return fallback(`${label} with an empty body.`);

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fallback(`${label} with a body that is not JSON: ${snippet(text)}`);
  }
  if (!isRecord(body)) return fallback(`${label}: ${snippet(text)}`);

  const code = asCode(body.code);
  if (code !== undefined) {
    return {
      code,
      description: typeof body.description === 'string' ? body.description : `${label} (code ${code}).`,
      data: Array.isArray(body.data) ? body.data : body.data === undefined || body.data === null ? [] : [body.data],
      source: typeof body.source === 'string' ? body.source : undefined,
    };
  }
  // The gateway's throttling and routing body.
  const gatewayCode = asCode(body.statusCode);
  if (typeof body.message === 'string') return { ...fallback(body.message), code: gatewayCode ?? status };
  // Other OAuth/OData-style bodies a proxy might produce.
  const nested = isRecord(body.error) ? body.error : undefined;
  const message = nested?.message ?? body.error_description ?? body.error;
  return fallback(typeof message === 'string' ? message : `${label}: ${snippet(text)}`);
}
