// RFC 7662 introspection end to end: the real IdP (oidc-provider, see idp.mjs with `opaque: true`)
// issues OPAQUE access tokens for the gateway's resource, and the real gateway binary validates
// them by calling the provider's introspection endpoint with its own client
// (INTROSPECTION_CLIENT_ID, endpoint found by discovery). The official SDK client gets its
// token by client credentials; server-everything is the upstream over stdio; the identity the
// gateway derived from the introspection response is read from its JSON-lines audit trail.
// Also: a made-up token and a token revoked at the IdP get 401 invalid_token; a token missing
// a scope gets 403 insufficient_scope; a token is introspected once and then served from the
// gateway's cache (the IdP records every introspection request it answers).
//
//   MCPGW_BINARY=build-intro/src/cli/mcp-gateway node --test tests/e2e/auth/introspection.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { assertNoSanitizerReport, withProcessReport } from '../lib/clients.mjs';
import { writeTempConfig } from '../lib/config-yaml.mjs';
import { gatewayBinary } from '../lib/gateway.mjs';
import { freePort, waitForPort } from '../lib/ports.mjs';
import { ProcessGroup } from '../lib/processes.mjs';
import { initializeBody, mcpHeaders, rawRequest } from '../lib/raw-http.mjs';
import { everythingStdioServer } from '../lib/upstreams.mjs';
import { readAudit } from './attack_suite_lib.mjs';
import {
  CLIENT_ID, CLIENT_SECRET, INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET, clientCredentialsToken, revokeToken, startIdp,
} from './idp.mjs';

const TEST = { timeout: 60000 };
// Another resource server of the same IdP: its tokens are active but not for the gateway.
const OTHER_RESOURCE = 'http://127.0.0.1:1/other-mcp';

async function connect(url, token) {
  const client = new Client({ name: 'mcpgw-introspection-e2e', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  }));
  return client;
}

const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// An initialize request with `token`, as a client without the SDK sends it.
function initializeWith(url, token) {
  return rawRequest(url, {
    headers: mcpHeaders({ extra: { Authorization: `Bearer ${token}` } }),
    body: initializeBody(),
    untilResponseTo: 1,
  });
}

describe('opaque access tokens from oidc-provider, introspected by the gateway binary', () => {
  const group = new ProcessGroup();
  const clients = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpgw-introspection-'));
  const auditFile = path.join(dir, 'audit.jsonl');
  let idp, gateway, resource, introspectionEndpoint;

  // The introspection requests the gateway made for `token`, as the IdP answered them.
  const gatewayIntrospections = (token) =>
    idp.introspections.filter((r) => r.token === token && r.client_id === INTROSPECTION_CLIENT_ID);

  // What the gateway answers for a token it must refuse as inactive.
  const inactiveChallenge = () =>
    `Bearer resource_metadata="${gateway.origin}/.well-known/oauth-protected-resource/mcp", scope="tools:read", ` +
    'error="invalid_token", error_description="token is not active (introspection)"';

  before(async () => {
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    idp = await startIdp(await freePort(), resource, { opaque: true, resources: [OTHER_RESOURCE] });
    introspectionEndpoint = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json())
      .introspection_endpoint;
    const { file } = writeTempConfig({
      listen: `127.0.0.1:${port}`,
      servers: [everythingStdioServer('everything', { prefix: false })],
      auth: {
        resource,
        // No introspection_endpoint: the gateway discovers it from the issuer's metadata.
        issuers: [{ issuer: idp.issuer, client_id: INTROSPECTION_CLIENT_ID, client_secret: INTROSPECTION_CLIENT_SECRET }],
        required_scopes: ['tools:read'],
        method_scopes: { 'tools/call': ['tools:call'] },
        http_timeout: '5s',
      },
      audit: { sink: 'jsonl', path: auditFile, flush_interval: '10ms' },
    });
    const child = group.spawn('mcp-gateway', gatewayBinary(), ['run', '--config', file]);
    try {
      await waitForPort(port, { timeoutMs: 60000, child });
    } catch (error) {
      throw new Error(`${error.message}\n${child.output}`);
    }
    gateway = { url: resource, origin: `http://127.0.0.1:${port}`, child };
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await group.stopAll();
    idp?.server.close();
    fs.rmSync(dir, { recursive: true, force: true });
    assertNoSanitizerReport(group);
  });

  it('the IdP issues opaque tokens that it reports active on introspection', TEST, async () => {
    const token = await clientCredentialsToken(idp.issuer, resource);
    assert.equal(token.split('.').length, 1, `not a JWT: ${token}`);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    // The token's own client may introspect it too (oidc-provider's default policy); the
    // gateway's client gets the same response.
    const res = await fetch(introspectionEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'),
      },
      body: new URLSearchParams({ token }),
    });
    const body = await res.json();
    assert.equal(body.active, true);
    assert.equal(body.client_id, CLIENT_ID);
    assert.equal(body.aud, resource);
    assert.equal(body.iss, idp.issuer);
    assert.equal(body.scope, 'tools:read tools:call');
    assert.equal(body.sub, undefined, 'a client-credentials token has no subject');
    assert.deepEqual(gatewayIntrospections(token), []);
  });

  it('calls a tool with an opaque token; the identity comes from the introspection response', TEST, () =>
    withProcessReport(group, async () => {
      const token = await clientCredentialsToken(idp.issuer, resource);
      assert.equal(token.includes('.'), false);
      const client = await connect(gateway.url, token);
      clients.push(client);
      const message = `opaque token ${Date.now()}`;
      const result = await client.callTool({ name: 'echo', arguments: { message } });
      assert.equal(textOf(result), `Echo: ${message}`);
      assert.deepEqual(gatewayIntrospections(token), [{ client_id: INTROSPECTION_CLIENT_ID, token, active: true }]);

      // The audit record of the call: the subject is the client id from the introspection
      // response (it has no `sub`), the role its `roles` member.
      const deadline = Date.now() + 10000;
      let record;
      while (!(record = readAudit(auditFile).find((r) => r.mcp_method === 'tools/call' &&
        JSON.stringify(r.arguments ?? '').includes(message)))) {
        if (Date.now() > deadline) throw new Error(`no audit record of the call in ${auditFile}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(record.decision, 'allow');
      assert.equal(record.subject, CLIENT_ID);
      assert.deepEqual(record.roles, ['user']);
      assert.equal(record.target, 'echo');
    }));

  it('refuses tools/call with 403 insufficient_scope when the introspected scope lacks tools:call', TEST, () =>
    withProcessReport(group, async () => {
      const token = await clientCredentialsToken(idp.issuer, resource, 'tools:read');
      assert.equal(token.includes('.'), false);
      const client = await connect(gateway.url, token);
      clients.push(client);
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'echo'), 'tools:read is enough for tools/list');
      await assert.rejects(client.callTool({ name: 'echo', arguments: { message: 'x' } }),
        /"code":-32003,"message":"Forbidden: missing scope tools:call for tools\/call echo"/);
      const res = await rawRequest(gateway.url, {
        headers: mcpHeaders({ extra: { Authorization: `Bearer ${token}` } }),
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } } }),
      });
      assert.equal(res.status, 403);
      assert.equal(res.headers['www-authenticate'],
        `Bearer resource_metadata="${gateway.origin}/.well-known/oauth-protected-resource/mcp", ` +
        'scope="tools:read tools:call", error="insufficient_scope", ' +
        'error_description="missing scope tools:call for tools/call echo"');
      assert.deepEqual(gatewayIntrospections(token), [{ client_id: INTROSPECTION_CLIENT_ID, token, active: true }]);
    }));

  it('refuses a made-up opaque token with 401 invalid_token', TEST, () =>
    withProcessReport(group, async () => {
      const token = `made-up-${Date.now()}-not-issued-by-the-idp`;
      const res = await initializeWith(gateway.url, token);
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], inactiveChallenge());
      assert.deepEqual(gatewayIntrospections(token), [{ client_id: INTROSPECTION_CLIENT_ID, token, active: false }]);
    }));

  it('refuses a token revoked at the IdP before the gateway saw it with 401 invalid_token', TEST, () =>
    withProcessReport(group, async () => {
      const token = await clientCredentialsToken(idp.issuer, resource);
      const control = await clientCredentialsToken(idp.issuer, resource);
      await revokeToken(idp.issuer, token);
      const res = await initializeWith(gateway.url, token);
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], inactiveChallenge());
      assert.deepEqual(gatewayIntrospections(token), [{ client_id: INTROSPECTION_CLIENT_ID, token, active: false }]);
      // The same kind of token, not revoked, is accepted.
      const ok = await initializeWith(gateway.url, control);
      assert.equal(ok.status, 200);
      assert.deepEqual(gatewayIntrospections(control), [{ client_id: INTROSPECTION_CLIENT_ID, token: control, active: true }]);
    }));

  it('refuses an active opaque token issued for another resource with 401 invalid_token', TEST, () =>
    withProcessReport(group, async () => {
      const token = await clientCredentialsToken(idp.issuer, OTHER_RESOURCE);
      assert.equal(token.includes('.'), false);
      const res = await initializeWith(gateway.url, token);
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'],
        `Bearer resource_metadata="${gateway.origin}/.well-known/oauth-protected-resource/mcp", scope="tools:read", ` +
        `error="invalid_token", error_description="audience ${OTHER_RESOURCE} is not this resource (${resource})"`);
      assert.deepEqual(gatewayIntrospections(token), [{ client_id: INTROSPECTION_CLIENT_ID, token, active: true }]);
    }));

  it('introspects a token once: further requests with it are served from the cache', TEST, () =>
    withProcessReport(group, async () => {
      const token = await clientCredentialsToken(idp.issuer, resource);
      const before = idp.introspections.length;
      const client = await connect(gateway.url, token);
      clients.push(client);
      const calls = 5;
      for (let i = 0; i < calls; i++) {
        const result = await client.callTool({ name: 'echo', arguments: { message: `cached ${i}` } });
        assert.equal(textOf(result), `Echo: cached ${i}`);
      }
      await client.listTools();
      assert.deepEqual(gatewayIntrospections(token), [{ client_id: INTROSPECTION_CLIENT_ID, token, active: true }]);
      assert.equal(idp.introspections.length - before, 1, 'no other introspection request meanwhile');
      // A second token is introspected on its own.
      const other = await clientCredentialsToken(idp.issuer, resource);
      const second = await connect(gateway.url, other);
      clients.push(second);
      await second.callTool({ name: 'echo', arguments: { message: 'other' } });
      assert.deepEqual(gatewayIntrospections(other), [{ client_id: INTROSPECTION_CLIENT_ID, token: other, active: true }]);
      assert.equal(idp.introspections.length - before, 2);
    }));
});
