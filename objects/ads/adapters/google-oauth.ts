import { z } from 'zod';
import { parseJson, snippet } from '../../channel-sync/adapters/http';
import type { HttpRequest, HttpResponse, TokenRefresh } from '../adapter';

// Google's OAuth 2.0 for server apps, shared by Google Ads and the Merchant API: a refresh token
// (granted once by the advertiser) is exchanged at the token endpoint for a one-hour access token
// that travels as `Authorization: Bearer`. docs/ads.md#google-oauth.

export const GoogleCredentials = z.object({
  clientId: z.string().min(1).max(200),
  clientSecret: z.string().min(1).max(200),
  refreshToken: z.string().min(1).max(2000),
});
export type GoogleCredentials = z.output<typeof GoogleCredentials>;

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

const Token = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const TokenError = z.object({ error: z.string(), error_description: z.string().optional() });

/** The refresh-token grant and its parser (a minute early, so no request leaves with a lapsing token). */
export function googleToken(
  credentials: GoogleCredentials,
  tokenUrl: string | undefined,
  now: number,
): TokenRefresh {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: credentials.refreshToken,
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  });
  return {
    request: {
      method: 'POST',
      url: tokenUrl ?? GOOGLE_TOKEN_URL,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
    },
    parse(res: HttpResponse) {
      const ok = res.status === 200 ? parseJson(Token, res.body) : null;
      if (ok) return { token: ok.access_token, expiresAt: now + ok.expires_in * 1000 - 60_000 };
      const e = parseJson(TokenError, res.body);
      if (e && (res.status === 400 || res.status === 401)) {
        return {
          error: {
            code: 'credentials_invalid',
            message: `Google refused the refresh token: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`,
            retryable: false,
          },
        };
      }
      return {
        error: {
          code: 'marketplace_error',
          message: `Google's token endpoint answered ${res.status}: ${snippet(res.body)}`,
          retryable: true,
        },
      };
    },
  };
}

export const withBearer = (req: HttpRequest, token: string | undefined): HttpRequest => {
  if (token === undefined)
    throw new Error('Google APIs need ctx.accessToken: fetch one with token() first');
  return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
};

/** google.rpc.Status as JSON errors carry it. */
export const GoogleStatus = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string(),
    status: z.string().optional(),
    details: z.array(z.looseObject({})).optional(),
  }),
});

/** A `Duration` as JSON ("2s", "0.5s") in ms, or null. */
export function durationMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(value);
  return m?.[1] === undefined ? null : Math.ceil(Number(m[1]) * 1000);
}
