// Upstream credentials end to end: the official SDK client calls, through the real gateway, a
// tool on an upstream MCP server (official SDK, Streamable HTTP) that is itself a protected
// resource: it accepts only tokens the IdP (oidc-provider) issued for its own resource, verified
// with jose against the IdP's JWKS. The gateway obtains that token itself with the
// client-credentials grant (auth.upstreams); the client's own token never reaches the upstream.
// Also: a revoked upstream token is replaced and the call retried; a token endpoint that is down
// makes calls to that upstream fail with an error naming the reason, nothing is sent to the
// upstream without credentials, and the session gets the upstream back once it answers.
//
//   MCPGW_BINARY=build/src/cli/mcp-gateway node --test tests/e2e/auth/upstream_credentials.mjs
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { freePort } from '../lib/ports.mjs';
import { ProcessGroup } from '../lib/processes.mjs';
import { clientCredentialsToken, startIdp } from './idp.mjs';
import { startProtectedUpstream } from './protected_upstream.mjs';
import { claimsOf, connect, startGateway, tearDown, textOf } from './upstream_gateway.mjs';

const TEST = { timeout: 60000 };
const GATEWAY_CLIENT = { client_id: 'mcp-gateway-upstream', client_secret: 'gateway-secret' };

describe('upstream credentials: the gateway presents its own token to a protected upstream', () => {
  const group = new ProcessGroup();
  const clients = [];
  let idp, upstream, gateway, clientToken, downPort;

  before(async () => {
    const idpPort = await freePort();
    const issuer = `http://127.0.0.1:${idpPort}`;
    upstream = await startProtectedUpstream({ issuer });
    // Two gateways (the second with its token endpoint down); the IdP issues client tokens for
    // both resources and upstream tokens for the upstream's.
    const gatewayPort = await freePort();
    downPort = await freePort();
    idp = await startIdp(idpPort, `http://127.0.0.1:${gatewayPort}/mcp`, {
      resources: [upstream.url, `http://127.0.0.1:${downPort}/mcp`],
      clients: [GATEWAY_CLIENT],
    });
    const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    idp.tokenEndpoint = meta.token_endpoint;
    gateway = await startGateway(group, {
      port: gatewayPort, idp, upstream, tokenEndpoint: idp.tokenEndpoint, client: GATEWAY_CLIENT,
    });
    clientToken = await clientCredentialsToken(issuer, gateway.resource);
  });

  after(async () => {
    await tearDown({ clients, group, upstream, idp });
  });

  it('calls a tool on the protected upstream with the token the gateway obtained', TEST, async () => {
    const client = await connect(gateway.url, clientToken);
    clients.push(client);
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'remote__whoami'), JSON.stringify(tools));
    const claims = JSON.parse(textOf(await client.callTool({ name: 'remote__whoami', arguments: {} })));
    // The upstream verified a token for its own resource, issued to the gateway's client.
    assert.equal(claims.aud, upstream.url);
    assert.equal(claims.client_id, GATEWAY_CLIENT.client_id);
    assert.equal(claims.iss, idp.issuer);
  });

  it('never lets the client\'s Authorization header reach the upstream', TEST, async () => {
    assert.ok(upstream.requests.length >= 3, JSON.stringify(upstream.requests));
    const methods = new Set(upstream.requests.map((r) => r.method));
    assert.ok(methods.has('POST') && methods.has('GET'), `POSTs and the GET stream: ${[...methods]}`);
    for (const r of upstream.requests) {
      assert.ok(r.authorization, `every request carries credentials: ${JSON.stringify(r)}`);
      assert.ok(!r.authorization.includes(clientToken), 'the client token was forwarded upstream');
      assert.equal(claimsOf(r.authorization).client_id, GATEWAY_CLIENT.client_id);
      assert.equal(r.status, 200);
    }
    // And the client's token is not one the upstream would take anyway (another audience).
    assert.notEqual(claimsOf(`Bearer ${clientToken}`).aud, upstream.url);
  });

  it('replaces a revoked upstream token and retries the call once', TEST, async () => {
    const client = await connect(gateway.url, clientToken);
    clients.push(client);
    const before = upstream.requests.length;
    const first = JSON.parse(textOf(await client.callTool({ name: 'remote__whoami', arguments: {} })));
    upstream.revoke(first.jti);
    const second = JSON.parse(textOf(await client.callTool({ name: 'remote__whoami', arguments: {} })));
    assert.notEqual(second.jti, first.jti, 'a new token');
    assert.equal(second.client_id, GATEWAY_CLIENT.client_id);
    const refused = upstream.requests.slice(before).filter((r) => r.status === 401);
    assert.ok(refused.length >= 1, 'the upstream refused the revoked token');
    for (const r of refused) assert.equal(claimsOf(r.authorization).jti, first.jti);
    // Later calls go out with the new token straight away.
    const third = JSON.parse(textOf(await client.callTool({ name: 'remote__whoami', arguments: {} })));
    assert.equal(third.jti, second.jti);
  });

  it('ends the upstream session with a DELETE that carries the gateway\'s token', TEST, async () => {
    const client = await connect(gateway.url, clientToken);
    await client.callTool({ name: 'remote__whoami', arguments: {} });
    const before = upstream.requests.length;
    await client.transport.terminateSession();
    await client.close();
    for (let i = 0; i < 100 && !upstream.requests.slice(before).some((r) => r.method === 'DELETE'); ++i)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const deletes = upstream.requests.slice(before).filter((r) => r.method === 'DELETE');
    assert.equal(deletes.length, 1, JSON.stringify(upstream.requests.slice(before)));
    assert.equal(claimsOf(deletes[0].authorization).client_id, GATEWAY_CLIENT.client_id);
  });

  it('fails calls with an error naming the reason when the token endpoint is down', TEST, async () => {
    const deadPort = await freePort();
    const down = await startGateway(group, {
      port: downPort, idp, upstream, tokenEndpoint: `http://127.0.0.1:${deadPort}/token`, client: GATEWAY_CLIENT,
    });
    const token = await clientCredentialsToken(idp.issuer, down.resource);
    const before = upstream.requests.length;
    const client = await connect(down.url, token);
    clients.push(client);
    await assert.rejects(client.callTool({ name: 'remote__whoami', arguments: {} }), (error) => {
      assert.match(error.message, /upstream remote is unavailable/);
      assert.match(error.message, /no credentials for the request/);
      assert.match(error.message, new RegExp(`no token from http://127\\.0\\.0\\.1:${deadPort}/token: .*refused`));
      return true;
    });
    assert.deepEqual(upstream.requests.slice(before), [], 'nothing was sent without credentials');

    // The token endpoint comes up (a relay to the IdP's): the same session gets the upstream
    // back on its own, is told its tool list changed, and the call works.
    const changed = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => changed.push(Date.now()));
    const relay = http.createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const answer = await fetch(idp.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'], authorization: req.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise((resolve) => relay.listen(deadPort, '127.0.0.1', resolve));
    try {
      for (let i = 0; i < 600 && changed.length === 0; ++i) await new Promise((r) => setTimeout(r, 50));
      assert.ok(changed.length > 0, 'no tools/list_changed within 30 s of the token endpoint coming up');
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'remote__whoami'), JSON.stringify(tools));
      const claims = JSON.parse(textOf(await client.callTool({ name: 'remote__whoami', arguments: {} })));
      assert.equal(claims.client_id, GATEWAY_CLIENT.client_id);
    } finally {
      relay.close();
    }
  });
});
