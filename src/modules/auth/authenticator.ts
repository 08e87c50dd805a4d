import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../../config.js';
import { BoundedCache } from '../../core/bounded-cache.js';
import { parseUserId } from '../common/user-id.js';
import { UnauthenticatedError } from './auth.errors.js';
import { OPEN_ACCESS, ROLES, type Principal, type Role } from './principal.js';

/** Turns an `Authorization` header into the caller, or throws UnauthenticatedError. */
export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/** Verified tokens remembered until they expire, so a client's repeated token is verified once. */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** A token's key could not be fetched (JWKS endpoint down): the caller may retry, it is not their fault. */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

export function createAuthenticator(config: AuthConfig): Authenticate {
  if (config.mode === 'off') return () => Promise.resolve(OPEN_ACCESS);

  const key: Uint8Array | JWTVerifyGetKey =
    config.secret !== undefined
      ? new TextEncoder().encode(config.secret)
      : createRemoteJWKSet(new URL(config.jwksUrl!));
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    // HS256 with a shared secret; with a key set, whatever asymmetric algorithm its keys declare.
    algorithms: config.secret !== undefined ? ['HS256'] : undefined,
    // A token without an expiry would be valid (and cached) for ever.
    requiredClaims: ['exp'],
  };
  const verified = new BoundedCache<string, { principal: Principal; expiresAtMs: number }>(VERIFIED_TOKEN_CACHE_SIZE);

  return async (authorization) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization?.trim() ?? '')?.[1];
    if (token === undefined) {
      throw new UnauthenticatedError(
        authorization
          ? 'The Authorization header must be "Bearer <JWT>"'
          : 'Authentication required: send Authorization: Bearer <JWT>',
      );
    }
    const known = verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.principal;

    let payload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, options));
    } catch (error) {
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
        throw new KeySetUnavailableError('The key set to verify tokens could not be fetched', { cause: error });
      }
      if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('The token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'exp') {
        throw new UnauthenticatedError('The token must have an expiry (exp claim)');
      }
      throw new UnauthenticatedError(`The token is not valid (${error.code})`);
    }
    const role = payload['role'];
    if (typeof role !== 'string' || !ROLES.includes(role as Role)) {
      throw new UnauthenticatedError(`The token's role claim must be one of ${ROLES.join(', ')}`);
    }
    const subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    const userId = subject === undefined ? undefined : parseUserId(subject);
    if (role === 'user' && userId === undefined) {
      throw new UnauthenticatedError('A token with role user must name its user id in sub');
    }
    const expiresAtMs = payload.exp! * 1000;
    const principal: Principal = Object.freeze({ role: role as Role, userId, subject, expiresAtMs });
    verified.set(token, { principal, expiresAtMs });
    return principal;
  };
}
