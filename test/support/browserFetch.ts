/**
 * `fetch` as a browser page at `pageOrigin` runs it, for the otlp source's CORS tests: Node's fetch
 * enforces no CORS, so this one does what the Fetch standard has a browser do around it
 * (https://fetch.spec.whatwg.org/#cors-protocol), as far as an OTLP/HTTP exporter's POST goes:
 * - a cross-origin request with a header that is not CORS-safelisted (an OTLP content-type, an
 *   authorization) is preceded by a preflight: OPTIONS, Origin, Access-Control-Request-Method and
 *   the sorted lower-case names in Access-Control-Request-Headers, and no credentials (no
 *   authorization); it must answer 2xx with Access-Control-Allow-Origin the page's origin (or `*`
 *   without credentials), Allow-Credentials `true` with them, and every name asked for in
 *   Allow-Headers (`*` only without credentials; authorization never by `*`);
 * - the request itself carries Origin, and its answer must pass the same origin check;
 * - the page reads only the safelisted response headers and those in Access-Control-Expose-Headers.
 * A failed check is what a browser gives the page: a TypeError, "Failed to fetch", with no answer
 * and no cause (why is in `traffic.refusals`).
 */

/** Request headers a page may send cross-origin without a preflight (the values an OTLP exporter sends never are). */
const safelisted = (name: string, value: string): boolean =>
  ['accept', 'accept-language', 'content-language'].includes(name) ||
  (name === 'content-type' && ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].includes(value.split(';')[0]!.trim().toLowerCase()));
/** Response headers a page reads without their being exposed. */
const SAFELISTED_RESPONSE = ['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma'];

/** Node's own fetch, kept: a test puts the browser's in globalThis.fetch for the exporter to find. */
const nodeFetch = globalThis.fetch;

const list = (value: string | null): string[] => (value ?? '').split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '');

/** Every preflight and request this fetch sent, for a test to look at. */
export interface BrowserTraffic {
  readonly preflights: Headers[];
  readonly refusals: string[];
}

export const browserFetch = (pageOrigin: string, credentials: 'include' | 'omit' = 'omit'): { fetch: typeof fetch; traffic: BrowserTraffic } => {
  const traffic: BrowserTraffic = { preflights: [], refusals: [] };
  const failed = (why: string): never => {
    traffic.refusals.push(why);
    // As a browser gives it: no cause, nothing of why (the OpenTelemetry fetch transport retries a TypeError without a cause).
    throw new TypeError('Failed to fetch');
  };
  const originOk = (res: Response, what: string): void => {
    const allowed = res.headers.get('access-control-allow-origin');
    if (allowed !== pageOrigin && !(allowed === '*' && credentials === 'omit')) failed(`${what}: Access-Control-Allow-Origin ${allowed ?? '(none)'}`);
    if (credentials === 'include' && res.headers.get('access-control-allow-credentials') !== 'true') failed(`${what}: no Access-Control-Allow-Credentials: true`);
  };
  const browser = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    if (url.origin === pageOrigin) return nodeFetch(url, init);
    const unsafe = [...headers].filter(([name, value]) => !safelisted(name, value)).map(([name]) => name).sort();
    if (unsafe.length > 0 || !['GET', 'HEAD', 'POST'].includes(method)) {
      const asked = { origin: pageOrigin, 'access-control-request-method': method, ...(unsafe.length > 0 ? { 'access-control-request-headers': unsafe.join(',') } : {}) };
      traffic.preflights.push(new Headers(asked));
      const pre = await nodeFetch(url, { method: 'OPTIONS', headers: asked });
      await pre.arrayBuffer();
      if (pre.status < 200 || pre.status > 299) failed(`preflight answered ${pre.status}`);
      originOk(pre, 'preflight');
      const methods = list(pre.headers.get('access-control-allow-methods'));
      if (!['GET', 'HEAD', 'POST'].includes(method) && !methods.includes(method.toLowerCase())) failed(`preflight: ${method} not in Access-Control-Allow-Methods`);
      const allowed = list(pre.headers.get('access-control-allow-headers'));
      const wildcard = allowed.includes('*') && credentials === 'omit';
      for (const name of unsafe) if (!allowed.includes(name) && !(wildcard && name !== 'authorization')) failed(`preflight: ${name} not in Access-Control-Allow-Headers`);
    }
    headers.set('origin', pageOrigin);
    const res = await nodeFetch(url, { ...init, headers });
    originOk(res, 'response');
    const exposed = list(res.headers.get('access-control-expose-headers'));
    const visible = new Headers([...res.headers].filter(([name]) => SAFELISTED_RESPONSE.includes(name) || exposed.includes(name)));
    const body = await res.arrayBuffer();
    return new Response([101, 204, 205, 304].includes(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: visible });
  };
  return { fetch: browser as typeof fetch, traffic };
};
