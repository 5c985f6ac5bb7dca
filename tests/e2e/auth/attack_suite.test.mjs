// The auth attack suite against the real gateway binary (issue 3): every forged, stale or
// misdirected token gets the exact status and WWW-Authenticate header, and leaves exactly one
// audit record (decision deny, the reason, the client, the method) in which nothing from the
// unverified token appears as the caller's identity. Valid RS256, ES256 and EdDSA tokens are
// allowed and audited as allow. The JWKS outage: cached keys keep working; a gateway that never
// got keys refuses every token (401 invalid_token, see docs/authentication.md) and audits it.
// What the HTTP layer refuses before authentication (431 headers too large, 413 body too large,
// 400 malformed HTTP) is audited too, and a token too large for the header limit gets the
// invalid_token challenge on its 431. Refusals at GET /admin/audit are audited.
// JWKS over https from a private CA (openssl command): trusted through auth.tls_ca_file, or not
// (fail closed, OpenSSL's verdict in the log).
//
// The keys and the JWKS (with RFC 8414 discovery) belong to the test (node:crypto, node:http);
// the upstream is the repo's conformance server over stdio; the audit sink is a JSON-lines file.
//
//   MCPGW_BINARY=build-attack/src/cli/mcp-gateway node --test tests/e2e/auth/attack_suite.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertNoSanitizerReport, withProcessReport } from '../lib/clients.mjs';
import { writeTempConfig } from '../lib/config-yaml.mjs';
import { gatewayBinary } from '../lib/gateway.mjs';
import { ProcessGroup } from '../lib/processes.mjs';
import { initializeBody, jsonRpcResponse, mcpHeaders, rawRequest } from '../lib/raw-http.mjs';
import { conformanceStdioServer } from '../lib/upstreams.mjs';
import {
  hs256WithPublicKey, makeKey, makeTestCa, mint, rawExchange, readAudit, signingInput, startGatewayFor, startJwksServer,
  waitForOutput,
} from './attack_suite_lib.mjs';

const TEST = { timeout: 30000 };
const now = () => Math.floor(Date.now() / 1000);
const tempDir = (prefix) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

// The gateway's auth and audit sections for a test issuer.
function gatewayConfig(resource, issuer, auditFile, extraAuth = {}, extra = {}) {
  return {
    servers: [conformanceStdioServer('conformance', { prefix: false })],
    auth: {
      resource,
      issuers: [{ issuer }],
      required_scopes: ['tools:read'],
      method_scopes: { 'tools/call': ['tools:call'] },
      http_timeout: '2s',
      ...extraAuth,
    },
    audit: { sink: 'jsonl', path: auditFile, flush_interval: '10ms' },
    ...extra,
  };
}

// Reads the audit trail request by request. After each request under test it sends a marker
// (a request without a token, with its own User-Agent) and polls, bounded, until the marker's
// record is in the file: the recorder keeps arrival order and the gateway records a denial
// before it answers, so the records between two markers are exactly those of the request.
class AuditTrail {
  constructor(gateway, file) {
    this.gateway = gateway;
    this.file = file;
    this.consumed = 0;
    this.markers = 0;
  }

  async mark() {
    const marker = `attack-suite-marker-${++this.markers}`;
    const res = await rawRequest(this.gateway.url, {
      headers: mcpHeaders({ extra: { 'User-Agent': marker } }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
    });
    assert.equal(res.status, 401, 'the marker request is refused');
    const deadline = Date.now() + 10000;
    for (;;) {
      const records = readAudit(this.file);
      const at = records.findIndex((r, i) => i >= this.consumed && r.user_agent === marker);
      if (at >= 0) {
        const between = records.slice(this.consumed, at);
        this.consumed = at + 1;
        return between;
      }
      if (Date.now() > deadline) {
        throw new Error(`no audit record for ${marker} within 10 s; ${records.length} records in ${this.file}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  // Runs `request` (which returns the response) and returns { response, record }: the one
  // audit record it left.
  async one(request) {
    const response = await request();
    const records = await this.mark();
    assert.equal(records.length, 1, `exactly one audit record, got ${JSON.stringify(records, null, 1)}`);
    return { response, record: records[0] };
  }
}

function post(url, token, { body = initializeBody(), userAgent = 'attack-suite', sessionId } = {}) {
  const extra = { 'User-Agent': userAgent };
  if (token !== undefined) extra.Authorization = `Bearer ${token}`;
  return rawRequest(url, { headers: mcpHeaders({ sessionId, extra }), body, untilResponseTo: 1 });
}

function claims(issuer, resource, sub, extra = {}) {
  return {
    iss: issuer, aud: resource, sub, scope: 'tools:read tools:call', roles: ['user'],
    iat: now(), exp: now() + 600, jti: `jti-${sub}`, ...extra,
  };
}

// An audit record of a request refused before any identity was established.
function assertUnauthenticatedDenial(record, { reason, userAgent, method = 'initialize', forged = [] }) {
  assert.equal(record.decision, 'deny');
  assert.equal(record.outcome, 'denied');
  assert.equal(record.reason, reason);
  assert.equal(record.subject, '', 'an unverified token names no subject');
  assert.deepEqual(record.roles, []);
  assert.equal(record.client_addr, '127.0.0.1');
  assert.equal(record.user_agent, userAgent);
  assert.equal(record.mcp_method, method);
  assert.equal(record.session_id, '');
  assert.equal(record.server, '');
  assert.equal(record.target, '');
  assert.equal(record.upstream_latency_us, 0);
  const text = JSON.stringify(record);
  for (const value of forged) assert.ok(!text.includes(value), `the record carries '${value}' from the forged token: ${text}`);
}

describe('auth attack suite through the gateway binary', () => {
  const group = new ProcessGroup();
  const dir = tempDir('mcpgw-attack-');
  const auditFile = path.join(dir, 'audit.jsonl');
  const rsa = makeKey('RS256', 'rsa-1');
  const ec = makeKey('ES256', 'ec-1');
  const ed = makeKey('EdDSA', 'ed-1');
  let jwks, gateway, trail;
  let cases = 0;

  const withReport = (body) => () => withProcessReport(group, body);
  // A forged token for `initialize`: 401 invalid_token with the reason, one deny record.
  async function refused(token, reason, { forged = [] } = {}) {
    const userAgent = `attack-${++cases}`;
    const { response, record } = await trail.one(() => post(gateway.url, token, { userAgent }));
    assert.equal(response.status, 401, response.body);
    assert.equal(response.headers['www-authenticate'],
      `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read", error="invalid_token", ` +
      `error_description="${reason}"`);
    assert.deepEqual(JSON.parse(response.body), { error: 'invalid_token', error_description: reason });
    assertUnauthenticatedDenial(record, { reason, userAgent, forged });
  }
  // A valid token: initialize succeeds, one allow record naming the verified subject.
  async function allowed(token, sub) {
    const userAgent = `valid-${++cases}`;
    const { response, record } = await trail.one(() => post(gateway.url, token, { userAgent }));
    assert.equal(response.status, 200, response.body);
    assert.ok(jsonRpcResponse(response, 1).result, response.body);
    const sessionId = response.headers['mcp-session-id'];
    assert.ok(sessionId);
    assert.equal(record.decision, 'allow');
    assert.equal(record.outcome, 'success');
    assert.equal(record.subject, sub);
    assert.deepEqual(record.roles, ['user']);
    assert.equal(record.client_addr, '127.0.0.1');
    assert.equal(record.user_agent, userAgent);
    assert.equal(record.mcp_method, 'initialize');
    assert.equal(record.session_id, sessionId);
    return sessionId;
  }

  before(withReport(async () => {
    jwks = await startJwksServer([rsa, ec, ed]);
    gateway = await startGatewayFor(group, 'mcp-gateway', (resource) => gatewayConfig(resource, jwks.issuer, auditFile));
    trail = new AuditTrail(gateway, auditFile);
    await trail.mark(); // whatever start-up wrote is behind us
  }));

  after(async () => {
    await group.stopAll();
    await jwks?.stop();
    assertNoSanitizerReport(group);
  });

  const c = (sub, extra) => claims(jwks.issuer, gateway.url, sub, extra);

  it('allows valid RS256, ES256 and EdDSA tokens and audits them as allow', TEST, withReport(async () => {
    await allowed(mint(rsa, c('alice-rs')), 'alice-rs');
    await allowed(mint(ec, c('alice-es')), 'alice-es');
    await allowed(mint(ed, c('alice-ed')), 'alice-ed');
    // The keys were found through RFC 8414 discovery.
    assert.ok(jwks.hits('/.well-known/oauth-authorization-server') >= 1);
    assert.ok(jwks.hits('/jwks') >= 1);
  }));

  it('allows a tools/call with the scope and audits the server and tool', TEST, withReport(async () => {
    const token = mint(rsa, c('caller'));
    const sessionId = await allowed(token, 'caller');
    const userAgent = `call-${++cases}`;
    const { response, record } = await trail.one(() => post(gateway.url, token, {
      sessionId, userAgent,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } }),
    }));
    assert.equal(response.status, 200, response.body);
    assert.ok(jsonRpcResponse(response, 1).result, response.body);
    assert.equal(record.decision, 'allow');
    assert.equal(record.outcome, 'success');
    assert.equal(record.subject, 'caller');
    assert.equal(record.mcp_method, 'tools/call');
    assert.equal(record.server, 'conformance');
    assert.equal(record.target, 'test_simple_text');
    assert.equal(record.session_id, sessionId);
  }));

  it('no token: 401 with the challenge but no error code', TEST, withReport(async () => {
    const userAgent = `attack-${++cases}`;
    const { response, record } = await trail.one(() => post(gateway.url, undefined, { userAgent }));
    assert.equal(response.status, 401);
    // RFC 6750 §3.1: a request without credentials gets no error attribute.
    assert.equal(response.headers['www-authenticate'], `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read"`);
    assertUnauthenticatedDenial(record, { reason: 'no access token', userAgent });
  }));

  it('another scheme (Basic) counts as no bearer token', TEST, withReport(async () => {
    const userAgent = `attack-${++cases}`;
    const { response, record } = await trail.one(() => rawRequest(gateway.url, {
      headers: mcpHeaders({ extra: { 'User-Agent': userAgent, Authorization: `Basic ${Buffer.from('mallory:pw').toString('base64')}` } }),
      body: initializeBody(),
    }));
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read"`);
    assertUnauthenticatedDenial(record, { reason: 'unsupported authorization scheme (use Bearer)', userAgent, forged: ['mallory'] });
  }));

  it('alg none', TEST, withReport(async () => {
    const payload = c('forged-none', { roles: ['admin'] });
    await refused(`${signingInput({ alg: 'none', typ: 'JWT' }, payload)}.`, 'unsigned token (alg none) rejected',
      { forged: ['forged-none'] });
    await refused(`${signingInput({ alg: 'nOnE', kid: 'rsa-1' }, payload)}.`, 'unsigned token (alg none) rejected',
      { forged: ['forged-none'] });
  }));

  it('HS256 signed with the RSA public key', TEST, withReport(async () => {
    await refused(hs256WithPublicKey(rsa, c('forged-hs256')), 'symmetric algorithm HS256 rejected',
      { forged: ['forged-hs256'] });
  }));

  it('a valid signature by an unknown key that claims a known kid', TEST, withReport(async () => {
    const attacker = makeKey('RS256', 'rsa-1');
    await refused(mint(attacker, c('forged-unknown-key')), 'signature verification failed',
      { forged: ['forged-unknown-key'] });
    const attackerEd = makeKey('EdDSA', 'ed-1');
    await refused(mint(attackerEd, c('forged-unknown-ed')), 'signature verification failed',
      { forged: ['forged-unknown-ed'] });
  }));

  it('an unknown kid, without hammering the JWKS endpoint', TEST, withReport(async () => {
    const before = jwks.hits('/jwks');
    for (const kid of ['evil-1', 'evil-2', 'evil-3']) {
      await refused(mint(makeKey('ES256', kid), c(`forged-${kid}`)), `unknown key id ${kid}`, { forged: [`forged-${kid}`] });
    }
    // An unknown kid may trigger a refresh, rate-limited (auth.jwks_min_refresh_interval, 30 s).
    assert.ok(jwks.hits('/jwks') - before <= 1, `${jwks.hits('/jwks') - before} JWKS fetches for 3 unknown kids`);
  }));

  it('a kid with quotes and line breaks stays out of the header syntax and the log lines', TEST, withReport(async () => {
    const kid = 'x", error="none"\r\nFORGED-LOG-LINE admin logged in';
    const userAgent = `attack-${++cases}`;
    const { response, record } = await trail.one(() => post(gateway.url, mint(makeKey('ES256', kid), c('forged-kid')), { userAgent }));
    assert.equal(response.status, 401);
    const header = response.headers['www-authenticate'];
    // Control characters become spaces; the header's quoted-string drops the quotes.
    assert.equal(header, `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read", error="invalid_token", ` +
      'error_description="unknown key id x, error=none  FORGED-LOG-LINE admin logged in"');
    assertUnauthenticatedDenial(record, {
      reason: 'unknown key id x", error="none"  FORGED-LOG-LINE admin logged in', userAgent, forged: ['forged-kid'],
    });
    assert.ok(!gateway.child.output.split('\n').some((l) => l.startsWith('FORGED-LOG-LINE')), 'a forged line in the log');
  }));

  it('a 5000-character issuer is cut short in the challenge, the log and the audit record', TEST, withReport(async () => {
    const iss = `https://evil.example/${'x'.repeat(5000)}`;
    await refused(mint(rsa, c('long-issuer', { iss })), `untrusted issuer ${iss.slice(0, 256 - 'untrusted issuer '.length)}...`,
      { forged: ['long-issuer'] });
  }));

  it('a tampered payload', TEST, withReport(async () => {
    const [h, , s] = mint(rsa, c('alice')).split('.');
    const forgedPayload = Buffer.from(JSON.stringify(c('admin-mallory', { roles: ['admin'] }))).toString('base64url');
    await refused(`${h}.${forgedPayload}.${s}`, 'signature verification failed', { forged: ['admin-mallory'] });
  }));

  it('a tampered signature', TEST, withReport(async () => {
    for (const key of [rsa, ec, ed]) {
      const token = mint(key, c(`forged-sig-${key.alg}`));
      const dot = token.lastIndexOf('.');
      const sig = Buffer.from(token.slice(dot + 1), 'base64url');
      sig[5] ^= 0x01;
      await refused(`${token.slice(0, dot)}.${sig.toString('base64url')}`, 'signature verification failed',
        { forged: [`forged-sig-${key.alg}`] });
    }
  }));

  it('an expired token', TEST, withReport(async () => {
    await refused(mint(rsa, c('stale', { iat: now() - 7200, exp: now() - 3600 })), 'token expired', { forged: ['stale'] });
  }));

  it('a token that is not yet valid', TEST, withReport(async () => {
    await refused(mint(ec, c('early', { nbf: now() + 3600 })), 'token not yet valid (nbf)', { forged: ['early'] });
  }));

  it('a token from an untrusted issuer', TEST, withReport(async () => {
    await refused(mint(rsa, c('elsewhere', { iss: 'https://evil.example' })), 'untrusted issuer https://evil.example',
      { forged: ['elsewhere'] });
  }));

  it('a token for another audience', TEST, withReport(async () => {
    await refused(mint(ed, c('misdirected', { aud: 'http://other.example/mcp' })),
      `audience http://other.example/mcp is not this resource (${gateway.url})`, { forged: ['misdirected'] });
  }));

  it('malformed base64', TEST, withReport(async () => {
    const token = mint(rsa, c('garbled'));
    const dot = token.indexOf('.');
    await refused(`${token.slice(0, dot + 3)}*${token.slice(dot + 3)}`, 'malformed token: payload is not valid base64url');
  }));

  it('a token over auth.max_token_bytes (10 KB)', TEST, withReport(async () => {
    const token = mint(rsa, c('big'));
    await refused(token + 'A'.repeat(10 * 1024 - token.length), 'token too large (10240 bytes, limit 8192)',
      { forged: ['big'] });
  }));

  it('a 100 KB token: 431 with the invalid_token challenge, audited, and the gateway lives on', TEST,
    withReport(async () => {
      const token = mint(rsa, c('huge'));
      const userAgent = `attack-${++cases}`;
      const { response, record } = await trail.one(() => post(gateway.url, token + 'A'.repeat(100 * 1024 - token.length), { userAgent }));
      // Refused while its headers are read (limits.max_header, 16 KB), before it has a body: the
      // status stays 431 and the challenge says why the token cannot be used (docs/authentication.md).
      assert.equal(response.status, 431);
      assert.equal(response.headers['www-authenticate'],
        `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read", error="invalid_token", ` +
        'error_description="token too large"');
      assertUnauthenticatedDenial(record, {
        reason: 'token too large (request headers larger than 16384 bytes)', userAgent, method: '',
      });
      await allowed(mint(ec, c('after-huge')), 'after-huge');
    }));

  it('other headers over the limit: 431 without a challenge (the token was never read whole), audited', TEST,
    withReport(async () => {
      const userAgent = `attack-${++cases}`;
      const { response, record } = await trail.one(() => rawRequest(gateway.url, {
        headers: mcpHeaders({ extra: { 'User-Agent': userAgent, Authorization: `Bearer ${mint(ec, c('padded'))}`, 'X-Padding': 'x'.repeat(20 * 1024) } }),
        body: initializeBody(),
      }));
      assert.equal(response.status, 431);
      assert.equal(response.headers['www-authenticate'], undefined);
      assertUnauthenticatedDenial(record, { reason: 'request headers larger than 16384 bytes', userAgent, method: '' });
    }));

  it('a body over limits.max_body: 413 before authentication, audited', TEST, withReport(async () => {
    const userAgent = `attack-${++cases}`;
    // The declared length is enough: the gateway answers after the headers.
    const { response, record } = await trail.one(() => rawRequest(gateway.url, {
      headers: mcpHeaders({ extra: { 'User-Agent': userAgent, 'Content-Length': String(5 * 1024 * 1024) } }),
      body: '{}',
    }));
    assert.equal(response.status, 413, response.body);
    assert.equal(response.headers['www-authenticate'], undefined);
    assertUnauthenticatedDenial(record, { reason: 'request body larger than 4194304 bytes', userAgent, method: '' });
  }));

  it('malformed HTTP: 400 before authentication, audited', TEST, withReport(async () => {
    const userAgent = `attack-${++cases}`;
    const host = new URL(gateway.origin).host;
    const { response, record } = await trail.one(() => rawExchange(gateway.origin,
      `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${userAgent}\r\nBad Field: x\r\n\r\n`));
    assert.match(response, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assertUnauthenticatedDenial(record, { reason: 'malformed HTTP request: bad field', userAgent, method: '' });
  }));

  it('a foreign Host or Origin (DNS rebinding): 403 before authentication, audited', TEST, withReport(async () => {
    for (const extra of [{ Host: 'evil.example.com' }, { Origin: 'http://evil.example.com' }]) {
      const userAgent = `attack-${++cases}`;
      const { response, record } = await trail.one(() => rawRequest(gateway.url, {
        headers: mcpHeaders({ extra: { 'User-Agent': userAgent, ...extra } }),
        body: initializeBody(),
      }));
      assert.equal(response.status, 403, response.body);
      assertUnauthenticatedDenial(record, {
        reason: 'Host or Origin not allowed (DNS rebinding protection)', userAgent, method: '',
      });
    }
  }));

  it('Bearer with an empty token: 400 invalid_request (RFC 6750 §3.1, MCP authorization), audited', TEST,
    withReport(async () => {
      const userAgent = `attack-${++cases}`;
      const { response, record } = await trail.one(() => rawRequest(gateway.url, {
        headers: mcpHeaders({ extra: { 'User-Agent': userAgent, Authorization: 'Bearer ' } }),
        body: initializeBody(),
      }));
      assert.equal(response.status, 400, response.body);
      assert.equal(response.headers['www-authenticate'],
        `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read", error="invalid_request", ` +
        'error_description="empty bearer token"');
      assert.deepEqual(JSON.parse(response.body), { error: 'invalid_request', error_description: 'empty bearer token' });
      assertUnauthenticatedDenial(record, { reason: 'empty bearer token', userAgent });
    }));

  it('refusals at GET /admin/audit are audited, with the subject once it is verified', TEST, withReport(async () => {
    const get = (userAgent, token) => rawRequest(`${gateway.origin}/admin/audit?limit=1`, {
      method: 'GET', headers: { 'User-Agent': userAgent, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    const assertAdminDenial = (record, { reason, userAgent, subject = '', roles = [] }) => {
      assert.equal(record.decision, 'deny');
      assert.equal(record.outcome, 'denied');
      assert.equal(record.reason, reason);
      assert.equal(record.subject, subject);
      assert.deepEqual(record.roles, roles);
      assert.equal(record.client_addr, '127.0.0.1');
      assert.equal(record.user_agent, userAgent);
      assert.equal(record.mcp_method, '');
      assert.equal(record.target, '/admin/audit');
    };

    let userAgent = `admin-${++cases}`;
    let { response, record } = await trail.one(() => get(userAgent));
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read"`);
    assertAdminDenial(record, { reason: 'no access token', userAgent });

    userAgent = `admin-${++cases}`;
    ({ response, record } = await trail.one(() => get(userAgent, mint(makeKey('RS256', 'rsa-1'), c('forged-admin', { roles: ['admin'] })))));
    assert.equal(response.status, 401);
    assert.match(response.headers['www-authenticate'], /error="invalid_token", error_description="signature verification failed"$/);
    assertAdminDenial(record, { reason: 'signature verification failed', userAgent });
    assert.ok(!JSON.stringify(record).includes('forged-admin'));

    userAgent = `admin-${++cases}`;
    ({ response, record } = await trail.one(() => get(userAgent, mint(rsa, c('plain-user')))));
    assert.equal(response.status, 403);
    assert.deepEqual(JSON.parse(response.body), { error: 'forbidden', error_description: 'the admin role is required' });
    assertAdminDenial(record, { reason: 'the admin role is required', userAgent, subject: 'plain-user', roles: ['user'] });
  }));

  it('refuses a header limit above 64KB at configuration time', TEST, withReport(async () => {
    // Larger header fields than 64 KB ended the process inside the HTTP parser.
    const { file } = writeTempConfig({ listen: '127.0.0.1:0', limits: { max_header: '256KB' } });
    const result = spawnSync(gatewayBinary(), ['check-config', '--config', file], { encoding: 'utf8' });
    assert.notEqual(result.status, 0);
    assert.equal(result.stderr, 'limits.max_header (line 3): must be at most 64KB\n');
  }));

  it('a token without the scope the method needs: 403 insufficient_scope, audited with the verified subject', TEST,
    withReport(async () => {
      const token = mint(ec, c('reader', { scope: 'tools:read' }));
      const sessionId = await allowed(token, 'reader');
      const userAgent = `attack-${++cases}`;
      const { response, record } = await trail.one(() => post(gateway.url, token, {
        sessionId, userAgent,
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } }),
      }));
      const reason = 'missing scope tools:call for tools/call test_simple_text';
      assert.equal(response.status, 403);
      assert.equal(response.headers['www-authenticate'],
        `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read tools:call", error="insufficient_scope", ` +
        `error_description="${reason}"`);
      assert.match(jsonRpcResponse(response, 1).error.message, /missing scope tools:call/);
      assert.equal(record.decision, 'deny');
      assert.equal(record.outcome, 'denied');
      assert.equal(record.reason, reason);
      assert.equal(record.subject, 'reader'); // verified: this token's signature checked out
      assert.deepEqual(record.roles, ['user']);
      assert.equal(record.client_addr, '127.0.0.1');
      assert.equal(record.user_agent, userAgent);
      assert.equal(record.mcp_method, 'tools/call');
      assert.equal(record.target, 'test_simple_text');
      assert.equal(record.session_id, sessionId);
    }));

  it('another user\'s valid token on a session: 404 as if there were none, audited with who asked', TEST,
    withReport(async () => {
      const sessionId = await allowed(mint(rsa, c('victim')), 'victim');
      const userAgent = `attack-${++cases}`;
      const { response, record } = await trail.one(() => post(gateway.url, mint(ec, c('intruder')), {
        sessionId, userAgent,
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } }),
      }));
      assert.equal(response.status, 404, response.body);
      assert.deepEqual(JSON.parse(response.body),
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Session not found' } });
      assert.equal(response.headers['mcp-session-id'], undefined);
      assert.equal(record.decision, 'deny');
      assert.equal(record.outcome, 'denied');
      assert.equal(record.reason, 'POST on a session that belongs to another subject');
      assert.equal(record.subject, 'intruder');
      assert.equal(record.session_id, sessionId);
      assert.equal(record.client_addr, '127.0.0.1');
      assert.equal(record.user_agent, userAgent);
      assert.equal(record.mcp_method, '');
      assert.equal(record.target, '');
      assert.ok(!JSON.stringify(record).includes('victim'), JSON.stringify(record));
    }));
});

describe('JWKS endpoint down', () => {
  const group = new ProcessGroup();
  const dir = tempDir('mcpgw-attack-jwks-');
  const rsa = makeKey('RS256', 'rsa-1');
  const ec = makeKey('ES256', 'ec-1');
  const ed = makeKey('EdDSA', 'ed-1');
  let jwks, cached, cachedTrail;

  const withReport = (body) => () => withProcessReport(group, body);

  before(withReport(async () => {
    jwks = await startJwksServer([rsa, ec, ed]);
    const auditFile = path.join(dir, 'cached', 'audit.jsonl');
    // Background refresh every second, so that refreshes fail while the JWKS is down.
    cached = await startGatewayFor(group, 'mcp-gateway-cached', (resource) =>
      gatewayConfig(resource, jwks.issuer, auditFile, { jwks_refresh_interval: '1s' }));
    cachedTrail = new AuditTrail(cached, auditFile);
    await cachedTrail.mark();
  }));

  after(async () => {
    await group.stopAll();
    await jwks?.stop();
    assertNoSanitizerReport(group);
  });

  const tokenFor = (key, issuer, resource, sub) => mint(key, claims(issuer, resource, sub));

  it('keeps verifying new tokens with the cached keys while the JWKS is down', TEST, withReport(async () => {
    const first = await cachedTrail.one(() => post(cached.url, tokenFor(rsa, jwks.issuer, cached.url, 'before-outage')));
    assert.equal(first.response.status, 200, first.response.body);
    assert.equal(first.record.decision, 'allow');
    await jwks.stop();
    // A background refresh has failed and said so; the keys stay.
    await waitForOutput(cached.child, /key refresh failed .*keeping the keys already known/);
    for (const [key, sub] of [[rsa, 'during-rs'], [ec, 'during-es'], [ed, 'during-ed']]) {
      const { response, record } = await cachedTrail.one(() => post(cached.url, tokenFor(key, jwks.issuer, cached.url, sub)));
      assert.equal(response.status, 200, response.body);
      assert.equal(record.decision, 'allow');
      assert.equal(record.subject, sub);
    }
    // Still no room for a key the gateway never saw.
    const { response, record } = await cachedTrail.one(() => post(cached.url,
      tokenFor(makeKey('ES256', 'rotated-in'), jwks.issuer, cached.url, 'new-key'), { userAgent: 'rotated' }));
    assert.equal(response.status, 401);
    assert.match(response.headers['www-authenticate'], /error="invalid_token", error_description="unknown key id rotated-in"/);
    assertUnauthenticatedDenial(record, { reason: 'unknown key id rotated-in', userAgent: 'rotated', forged: ['new-key'] });
  }));

  it('a gateway that never got keys refuses every token (fail closed) and audits it', TEST, withReport(async () => {
    await jwks.stop(); // idempotent: down since the previous case, or stopped here when run alone
    const auditFile = path.join(dir, 'nokeys', 'audit.jsonl'); // its own spool folder too
    const gateway = await startGatewayFor(group, 'mcp-gateway-nokeys', (resource) =>
      gatewayConfig(resource, jwks.issuer, auditFile));
    const trail = new AuditTrail(gateway, auditFile);
    await trail.mark();
    await waitForOutput(gateway.child, /key refresh failed .*no keys: its tokens fail/);
    const reason = `no signing keys available for issuer ${jwks.issuer} (JWKS unreachable)`;
    let n = 0;
    for (const key of [rsa, ec, ed]) {
      const userAgent = `nokeys-${++n}`;
      const { response, record } = await trail.one(() =>
        post(gateway.url, tokenFor(key, jwks.issuer, gateway.url, `valid-but-unverifiable-${n}`), { userAgent }));
      // 401 invalid_token: the MCP authorization spec and RFC 6750 §3.1 (see docs/authentication.md).
      assert.equal(response.status, 401, response.body);
      assert.equal(response.headers['www-authenticate'],
        `Bearer resource_metadata="${gateway.metadataUrl}", scope="tools:read", error="invalid_token", ` +
        `error_description="${reason}"`);
      assertUnauthenticatedDenial(record, { reason, userAgent, forged: [`valid-but-unverifiable-${n}`] });
    }
  }));
});

describe('JWKS over https from a private CA (auth.tls_ca_file)', () => {
  const group = new ProcessGroup();
  const dir = tempDir('mcpgw-attack-tls-');
  const ec = makeKey('ES256', 'ec-1');
  let jwks, trusted, untrusted;

  const withReport = (body) => () => withProcessReport(group, body);
  const start = (name, caFile) => startGatewayFor(group, name, (resource) =>
    gatewayConfig(resource, jwks.issuer, path.join(dir, name, 'audit.jsonl'), { tls_ca_file: caFile }));

  before(withReport(async () => {
    const ca = makeTestCa(dir, 'jwks-ca');
    const stranger = makeTestCa(dir, 'other-ca');
    jwks = await startJwksServer([ec], { tls: ca });
    trusted = await start('mcp-gateway-trusts-ca', ca.caFile);
    untrusted = await start('mcp-gateway-other-ca', stranger.caFile);
  }));

  after(async () => {
    await group.stopAll();
    await jwks?.stop();
    assertNoSanitizerReport(group);
  });

  it('verifies tokens with keys fetched over https from a server the CA file vouches for', TEST, withReport(async () => {
    const trail = new AuditTrail(trusted, path.join(dir, 'mcp-gateway-trusts-ca', 'audit.jsonl'));
    await trail.mark();
    const { response, record } = await trail.one(() => post(trusted.url, mint(ec, claims(jwks.issuer, trusted.url, 'tls-alice'))));
    assert.equal(response.status, 200, response.body);
    assert.equal(record.decision, 'allow');
    assert.equal(record.subject, 'tls-alice');
    assert.ok(jwks.hits('/.well-known/oauth-authorization-server') >= 1);
  }));

  it('refuses every token when the certificate is not trusted, and logs why', TEST, withReport(async () => {
    const trail = new AuditTrail(untrusted, path.join(dir, 'mcp-gateway-other-ca', 'audit.jsonl'));
    await trail.mark();
    await waitForOutput(untrusted.child,
      /key refresh failed .*certificate verify failed \(unable to get local issuer certificate\).*no keys: its tokens fail/);
    const reason = `no signing keys available for issuer ${jwks.issuer} (JWKS unreachable)`;
    const { response, record } = await trail.one(() =>
      post(untrusted.url, mint(ec, claims(jwks.issuer, untrusted.url, 'tls-mallory')), { userAgent: 'tls' }));
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'],
      `Bearer resource_metadata="${untrusted.metadataUrl}", scope="tools:read", error="invalid_token", ` +
      `error_description="${reason}"`);
    assertUnauthenticatedDenial(record, { reason, userAgent: 'tls', forged: ['tls-mallory'] });
  }));
});
