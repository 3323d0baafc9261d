import { json, type SimResponse } from '../shared/sim-http';

// Google's OAuth token endpoint, simulated without state: an access token names its own expiry
// (`ya29.sim.<ms>`), so the Google Ads and Merchant simulators check it without asking anyone.
// Refresh tokens start with `1//`; one containing `revoked` is refused; client ids end with
// `.apps.googleusercontent.com`.

export const ACCESS_TOKEN_TTL_S = 3599;

export function tokenEndpoint(body: string, now: number): SimResponse {
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'refresh_token') {
    return json(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
  }
  const client = form.get('client_id') ?? '';
  if (!client.endsWith('.apps.googleusercontent.com') || !form.get('client_secret')) {
    return json(401, {
      error: 'invalid_client',
      error_description: 'The OAuth client was not found.',
    });
  }
  const refresh = form.get('refresh_token') ?? '';
  if (!refresh.startsWith('1//') || refresh.includes('revoked')) {
    return json(400, {
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
  }
  return json(200, {
    access_token: `ya29.sim.${now + ACCESS_TOKEN_TTL_S * 1000}`,
    expires_in: ACCESS_TOKEN_TTL_S,
    scope: 'https://www.googleapis.com/auth/adwords https://www.googleapis.com/auth/content',
    token_type: 'Bearer',
  });
}

/** Why a bearer token is refused, or null when it is good at `now`. */
export function refuseToken(
  authorization: string | undefined,
  now: number,
  expireAll: boolean,
): 'missing' | 'expired' | null {
  const m = /^Bearer ya29\.sim\.(\d+)$/.exec(authorization ?? '');
  if (m?.[1] === undefined) return 'missing';
  return expireAll || Number(m[1]) <= now ? 'expired' : null;
}
