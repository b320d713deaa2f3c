/**
 * Authenticate, as Partner Center does: a strictly verified Bearer token of a known partner tenant
 * (the AuthenticationService), and MFA for app+user tokens. Sets `request.caller` or fails with the
 * 401 that explains what was wrong.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../domain/model.js';
import { AuthenticationFailure, type AuthenticationService } from '../../services/authentication-service.js';
import { ApiError } from './errors/api-error.js';
import { PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';

/** Partner Center refuses app+user tokens issued without multi-factor authentication. */
function mfaRefusal(caller: Caller): ApiError | undefined {
  if (caller.appOnly || caller.amr.includes('mfa')) return undefined;
  const detail = `the app+user token of ${caller.name} was issued without multi-factor authentication (amr: ${JSON.stringify(caller.amr)})`;
  return new ApiError('mfaRequired', [`failed: ${detail}`], 'multi-factor authentication is required');
}

function toApiError(error: unknown): unknown {
  if (!(error instanceof AuthenticationFailure)) return error;
  return error.kind === 'missing'
    ? new ApiError('tokenMissing', [`failed: ${error.message}`])
    : new ApiError('tokenInvalid', [`failed: ${error.message}`], error.message);
}

/** Why Partner Center refuses a verified caller: a token for another API, or an app+user token without MFA. */
export function callerRefusal(caller: Caller): ApiError | undefined {
  // One token cache serves every surface; a token for another API is refused here.
  if (caller.audience !== 'partnerCenter') {
    const message = `the token's audience is not ${PARTNER_CENTER_RESOURCE}`;
    return new ApiError('tokenInvalid', [`failed: ${message}`], message);
  }
  return mfaRefusal(caller);
}

export function makeAuthenticateHook(authentication: AuthenticationService) {
  const accept = (request: FastifyRequest, caller: Caller, done: (error?: Error) => void) => {
    const refusal = callerRefusal(caller);
    if (refusal) return done(refusal);
    request.caller = caller;
    done();
  };
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    let result: Caller | Promise<Caller>;
    try {
      result = authentication.authenticate(request.headers.authorization);
    } catch (error) {
      return done(toApiError(error) as Error);
    }
    // A remembered header answers synchronously: no promise on the hot path.
    if (!(result instanceof Promise)) return accept(request, result, done);
    result.then((caller) => accept(request, caller, done), (error: unknown) => done(toApiError(error) as Error));
  };
}
