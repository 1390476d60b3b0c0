/**
 * corsPolicy (src/sources/corsPolicy.ts) on its own: origins as rs/cors matches them (the
 * Collector's), which headers a preflight may ask for, and what an answer carries.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { corsPolicy, originMatches } from '../src/sources/corsPolicy.js';

const test = suite('corsPolicy');

test('origins: exact, one * for any run of characters (none too), * alone for any; case does not matter', () => {
  assert.ok(originMatches('https://*.example.com', 'https://a.b.example.com'));
  assert.ok(originMatches('https://app*', 'https://app'), 'the * may stand for nothing');
  assert.not.ok(originMatches('https://*.example.com', 'https://example.com'), 'the dot is the pattern\'s own');
  assert.not.ok(originMatches('https://*.example.com', 'http://a.example.com'), 'another scheme');
  assert.not.ok(originMatches('https://a*a', 'https://a'), 'prefix and suffix may not overlap');
  const p = corsPolicy({ allowedOrigins: ['https://App.Example.com'] }, false);
  assert.is(p.actual('https://app.EXAMPLE.com')['access-control-allow-origin'], 'https://app.EXAMPLE.com', 'matched without regard to case, echoed as sent');
  assert.equal(p.actual('https://evil.test'), { vary: 'Origin' });
  assert.equal(p.actual(undefined), { vary: 'Origin' });
  assert.is(corsPolicy({ allowedOrigins: ['*'] }, false).preflight('null', 'POST', undefined).refused, undefined, '* lets any origin through');
  // An empty Origin header is no origin, even under *: nothing to echo as the allowed one.
  assert.equal(corsPolicy({ allowedOrigins: ['*'] }, false).preflight('', 'POST', undefined), { headers: { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' }, refused: 'its origin (none) is not one of cors.allowedOrigins (*)' });
  assert.equal(corsPolicy({ allowedOrigins: ['*'] }, false).actual(''), { vary: 'Origin' });
});

test('a preflight: POST only, content-type always, authorization with a bearer token, others when listed or *', () => {
  const asked = (p: ReturnType<typeof corsPolicy>, headers: string | undefined, method = 'POST') => p.preflight('https://a.test', method, headers);
  const plain = corsPolicy({ allowedOrigins: ['https://a.test'] }, false);
  assert.is(asked(plain, 'content-type').refused, undefined);
  assert.is(asked(plain, 'Content-Type , ,').headers['access-control-allow-headers'], 'content-type', 'names read as a list, lower case, empty ones left out');
  assert.match(asked(plain, 'content-type,authorization').refused ?? '', /it asks to send authorization, not one of cors\.allowedHeaders \(allowed: content-type\)/);
  assert.match(asked(plain, 'content-type', 'PUT').refused ?? '', /it asks to PUT, and metrics are posted \(POST\)/);
  assert.is(asked(corsPolicy({ allowedOrigins: ['https://a.test'] }, true), 'authorization,content-type').refused, undefined);
  assert.is(asked(corsPolicy({ allowedOrigins: ['https://a.test'], allowedHeaders: ['*'] }, false), 'x-anything,authorization').refused, undefined);
  const allowed = asked(corsPolicy({ allowedOrigins: ['https://a.test'], maxAgeSeconds: 0 }, false), undefined);
  assert.equal(allowed.headers, {
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers', 'access-control-allow-origin': 'https://a.test',
    'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'POST', 'access-control-max-age': '0',
  });
});

test.run();
