/**
 * CORS for the otlp source's OTLP/HTTP listener, so that a web page's OpenTelemetry exporter
 * (exporter-metrics-otlp-http or -proto in a browser: `fetch`, mode `cors`) can post to it. As the
 * Collector's `cors` setting (rs/cors under confighttp) has it: origins matched case-insensitively,
 * each exact, `*` for any, or with one `*` standing for any run of characters
 * (`https://*.example.com`); a preflight answered 204 whether allowed or not, with the
 * `Access-Control-Allow-*` headers only when allowed; the allowed origin echoed, with credentials
 * allowed. Beyond it:
 * - `content-type` is always allowed (every OTLP/HTTP export sends a non-simple one, so every
 *   preflight asks for it), and `authorization` when the source asks for a bearer token (without
 *   it every export is refused anyway); the Collector allows content-type only while its
 *   `allowed_headers` is unset, and authorization only when listed;
 * - `Retry-After` is exposed, so that a browser's exporter can read how long to wait after a 503
 *   (cross-origin, a page reads only the headers it is let read);
 * - a refused preflight says why, for the source's warning.
 */

export interface CorsOptions {
  /** Origins whose pages may post: `https://app.example.com`, `https://*.example.com`, `*` for any. */
  readonly allowedOrigins: readonly string[];
  /** Request headers a page may send besides content-type (and authorization with a bearer token); `*` for any. */
  readonly allowedHeaders?: readonly string[];
  /** How long a browser may keep a preflight's answer (Access-Control-Max-Age); unset: the browser's default, 5 s. */
  readonly maxAgeSeconds?: number;
}

/** A preflight's answer: the headers to send with the 204, and why it was refused (undefined: allowed). */
export interface PreflightAnswer {
  readonly headers: Record<string, string>;
  readonly refused: string | undefined;
}

export interface CorsPolicy {
  /** The answer to a preflight (OPTIONS with Access-Control-Request-Method). */
  preflight(origin: string | undefined, method: string | undefined, requestHeaders: string | undefined): PreflightAnswer;
  /** The headers of an answer to any other request from `origin` (none but Vary for an origin not allowed). */
  actual(origin: string | undefined): Record<string, string>;
}

/** A request's headers a preflight names: lower case, trimmed, empty ones left out (`a, ,b`). */
const headerNames = (list: string | undefined): string[] =>
  (list ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');

/** Whether an origin matches a pattern (both lower case): exact, or the pattern's one `*` standing for any run of characters. */
export const originMatches = (pattern: string, origin: string): boolean => {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === origin;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return origin.length >= prefix.length + suffix.length && origin.startsWith(prefix) && origin.endsWith(suffix);
};

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/** The policy of a listener; `bearerToken`: whether its requests must carry one (authorization is then allowed). */
export const corsPolicy = (opts: CorsOptions, bearerToken: boolean): CorsPolicy => {
  const origins = opts.allowedOrigins.map((o) => o.toLowerCase());
  const anyOrigin = origins.includes('*');
  const configured = (opts.allowedHeaders ?? []).map((h) => h.toLowerCase());
  const anyHeader = configured.includes('*');
  const headers = new Set(['content-type', ...(bearerToken ? ['authorization'] : []), ...configured]);
  const allowedOrigin = (origin: string | undefined): origin is string =>
    origin !== undefined && origin !== '' && (anyOrigin || origins.some((p) => originMatches(p, origin.toLowerCase())));
  const granted = (origin: string) => ({ 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' });
  return {
    preflight: (origin, method, requestHeaders) => {
      const vary = { vary: PREFLIGHT_VARY };
      if (!allowedOrigin(origin)) return { headers: vary, refused: `its origin ${origin || '(none)'} is not one of cors.allowedOrigins (${opts.allowedOrigins.join(', ')})` };
      if (method !== 'POST') return { headers: vary, refused: `it asks to ${method ?? '(no method)'}, and metrics are posted (POST)` };
      const asked = headerNames(requestHeaders);
      const notAllowed = anyHeader ? [] : asked.filter((h) => !headers.has(h));
      if (notAllowed.length > 0) return { headers: vary, refused: `it asks to send ${notAllowed.join(', ')}, not one of cors.allowedHeaders (allowed: ${[...headers].join(', ')})` };
      return {
        headers: {
          ...vary, ...granted(origin), 'access-control-allow-methods': 'POST',
          ...(asked.length > 0 ? { 'access-control-allow-headers': asked.join(', ') } : {}),
          ...(opts.maxAgeSeconds !== undefined ? { 'access-control-max-age': String(opts.maxAgeSeconds) } : {}),
        },
        refused: undefined,
      };
    },
    actual: (origin) => (allowedOrigin(origin) ? { vary: 'Origin', ...granted(origin), 'access-control-expose-headers': 'Retry-After' } : { vary: 'Origin' }),
  };
};

/** A listener without CORS: every preflight refused, saying what it lacks; other answers carry no CORS header. */
export const NO_CORS: CorsPolicy = {
  preflight: () => ({ headers: {}, refused: 'this source serves no CORS: a page at another origin may post to it once its origin is in protocols.http.cors.allowedOrigins' }),
  actual: () => ({}),
};
