/**
 * OTLP/HTTP's metrics endpoint (POST /v1/metrics) on node:http (node:https with a certificate),
 * for the otlp source (otlpReceiver.ts), as the OTLP specification has it: a body of
 * `application/x-protobuf` or `application/json`, gzip or deflate `Content-Encoding` too, answered 200 with an
 * ExportMetricsServiceResponse in the request's encoding (partial success when points were
 * refused); a body that is no metrics request 400 with a google.rpc.Status; no room 503 with
 * Retry-After (OTLP exporters retry it); too large 413; without the bearer token asked for 401;
 * another type 415, path 404, method 405 (a GET or HEAD is counted a probe, not a refused export).
 * A browser's CORS preflight is answered 204 before the token is asked for (a preflight carries
 * none), allowed or refused by the source's `cors` (corsPolicy.ts; none: every one refused).
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { type Either, isLeft, map } from 'fp-ts/lib/Either.js';
import { type ReadRequest, readJsonRequest, readProtobufRequest } from './requestReader.js';
import { parseOtlpJsonRequest } from '../otlpJson.js';
import { exportResponseBytes, varintBytes } from './otlpGrpcServer.js';
import { NO_CORS } from './corsPolicy.js';
import { DEFAULT_MAX_REQUEST_BYTES, NO_ROOM_MESSAGE, UNAUTHENTICATED_MESSAGE, type Listener, type OtlpServerOptions, type RequestAnswer, type TakeRequest, type Taken, joinEndpoint, peerOf, splitEndpoint } from './otlpReceiverTypes.js';

const PROTOBUF = 'application/x-protobuf';
/** A 503 for want of room: OTLP/HTTP exporters retry it, after at least this long (the Collector's and Go's wait the greater of this and their own backoff). */
const NO_ROOM_HEADERS = { 'retry-after': '1' };
const JSON_TYPE = 'application/json';

/** The body, decompressed, or why not (too large: 413). */
const readBody = (req: IncomingMessage, maxBytes: number): Promise<{ body?: Buffer; status?: number; error?: string }> =>
  new Promise((resolve) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') return resolve({ status: 415, error: `Content-Encoding ${encoding} is not taken (gzip, deflate or none)` });
    const stream: Readable = encoding === 'gzip' ? req.pipe(createGunzip()) : encoding === 'deflate' ? req.pipe(createInflate()) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = { status: 413, error: `the request is larger than ${maxBytes} bytes (the otlp source's maxRequestBytes)` };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // The rest is read and dropped (cutting the upload short fails the sender's request without an answer);
      // a decompressed body stops being inflated.
      chunks.length = 0;
      if (stream !== req) (stream.destroy(), req.resume(), req.once('end', () => resolve(tooLarge)));
    });
    stream.on('end', () => resolve(size > maxBytes ? tooLarge : { body: Buffer.concat(chunks) }));
    stream.on('error', (e) => resolve({ status: 400, error: `the body cannot be read: ${e.message}` }));
  });

/** google.rpc.Status { code (1), message (2) } as protobuf, for a 4xx/5xx answer's body. */
const statusBytes = (code: number, message: string): Buffer => {
  const text = Buffer.from(message, 'utf8');
  return Buffer.from([0x08, code, 0x12, ...varintBytes(text.length), ...text]);
};

const answer = (res: ServerResponse, status: number, type: string, body: Buffer | string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body);
};
/** An error answer in the request's encoding (a Status; 3 INVALID_ARGUMENT, 14 UNAVAILABLE). */
const refuse = (res: ServerResponse, json: boolean, status: number, code: number, message: string, headers: Record<string, string> = {}): void =>
  json ? answer(res, status, JSON_TYPE, JSON.stringify({ code, message }), headers) : answer(res, status, PROTOBUF, statusBytes(code, message), headers);

const jsonResponse = (t: Extract<Taken, { kind: 'taken' }>): string =>
  JSON.stringify(t.rejected === 0 && t.message === '' ? {} : { partialSuccess: { rejectedDataPoints: String(t.rejected), errorMessage: t.message } });

/**
 * How a request was answered, by its status; a GET or HEAD is no export (a health check, a
 * scanner), whatever it was told. Another method stays malformed (an OPTIONS that is no CORS
 * preflight among them; a preflight is counted where it is answered).
 */
const httpAnswerOf = (status: number, method: string | undefined, partial: boolean): RequestAnswer =>
  method === 'GET' || method === 'HEAD' ? 'probe' : status === 200 ? (partial ? 'partial' : 'taken') : status === 503 ? 'no-room' : status === 413 ? 'too-large' : status === 401 ? 'unauthenticated' : 'malformed';

export const serveOtlpHttp = (endpoint: string, take: TakeRequest, opts: OtlpServerOptions): Listener => {
  const maxBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const cors = opts.cors ?? NO_CORS;
  const handle: RequestListener = (req, res) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const json = type === JSON_TYPE;
    let partial = false;
    /** A preflight's answer and, refused, why. */
    let preflight: { answer: RequestAnswer; detail?: string } | undefined;
    const peer = peerOf(req.socket);
    res.once('finish', () => (preflight === undefined
      ? opts.onAnswer?.(httpAnswerOf(res.statusCode, req.method, partial), 'http', peer)
      : opts.onAnswer?.(preflight.answer, 'http', peer, preflight.detail)));
    const { origin } = req.headers;
    const askedMethod = req.headers['access-control-request-method'];
    if (req.method === 'OPTIONS' && askedMethod !== undefined) {
      const p = cors.preflight(origin, askedMethod, req.headers['access-control-request-headers']);
      preflight = p.refused === undefined ? { answer: 'preflight' } : { answer: 'cross-origin', detail: `a page at ${origin ?? '(no origin)'} was not let post: ${p.refused}` };
      return req.resume(), res.writeHead(204, p.headers), void res.end();
    }
    for (const [name, value] of Object.entries(cors.actual(origin))) res.setHeader(name, value);
    if (opts.authorized !== undefined && !opts.authorized(req.headers.authorization)) {
      return req.resume(), refuse(res, json, 401, 16, UNAUTHENTICATED_MESSAGE, { 'www-authenticate': 'Bearer' });
    }
    if ((req.url ?? '').split('?')[0] !== '/v1/metrics') return req.resume(), refuse(res, json, 404, 5, `no such path ${req.url ?? ''}: OTLP/HTTP metrics are posted to /v1/metrics`);
    if (req.method !== 'POST') return req.resume(), refuse(res, json, 405, 12, `${req.method ?? ''} is not taken: POST the request`, { allow: 'POST' });
    if (!json && type !== PROTOBUF) return req.resume(), refuse(res, json, 415, 3, `Content-Type ${type || '(none)'} is not taken: ${PROTOBUF} or ${JSON_TYPE}`);
    if (opts.noRoom()) return req.resume(), refuse(res, json, 503, 14, NO_ROOM_MESSAGE, NO_ROOM_HEADERS);
    void readBody(req, maxBytes).then(async ({ body, status, error }) => {
      if (body === undefined) return refuse(res, json, status ?? 400, 3, error ?? 'unreadable body');
      const request: Either<string, ReadRequest> = json ? map((r: unknown) => readJsonRequest(r, opts.read))(parseOtlpJsonRequest(body.toString('utf8'))) : readProtobufRequest(body, opts.read);
      if (isLeft(request)) return refuse(res, json, 400, 3, request.left);
      const t = await take(request.right, peer, 'http');
      if (t.kind === 'full') return refuse(res, json, 503, 14, NO_ROOM_MESSAGE, NO_ROOM_HEADERS);
      partial = t.rejected > 0;
      return json ? answer(res, 200, JSON_TYPE, jsonResponse(t)) : answer(res, 200, PROTOBUF, exportResponseBytes(t));
    }).catch((e: unknown) => refuse(res, json, 500, 13, e instanceof Error ? e.message : String(e)));
  };
  const { tls } = opts;
  const server = tls === undefined ? createServer(handle)
    : createTlsServer({ cert: tls.cert, key: tls.key, ...(tls.clientCa !== undefined ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, handle);
  const { host, port } = splitEndpoint(endpoint);
  let closed = false;
  server.on('error', (e) => {
    if (!closed) opts.onError(new Error(`otlp source: cannot listen for OTLP/HTTP on ${endpoint}: ${e.message}`));
  });
  server.listen(port, host, () => {
    const a = server.address();
    const bound = typeof a === 'object' && a !== null ? a.port : port;
    opts.onListening?.({ protocol: 'http', address: joinEndpoint(host, bound) });
  });
  return {
    useTls: (next) => {
      if ('setSecureContext' in server) server.setSecureContext({ cert: next.cert, key: next.key, ...(next.clientCa !== undefined ? { ca: next.clientCa } : {}) });
    },
    close: () => {
      closed = true;
      server.close();
      server.closeIdleConnections();
    },
  };
};
