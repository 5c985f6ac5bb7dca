// The official TypeScript SDK client calls a tool through the real gateway with auth on:
// oidc-provider (client credentials, JWT access tokens for the gateway's resource) and the
// development key (`mcp-gateway token`) are both trusted issuers; server-everything is the
// upstream over stdio. Also: 401 challenge, RFC 9728 metadata, 403 insufficient_scope,
// tampered token.
//
//   MCPGW_BINARY=build-auth/src/cli/mcp-gateway node --test tests/e2e/auth/sdk_client_auth.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { writeTempConfig } from '../lib/config-yaml.mjs';
import { gatewayBinary } from '../lib/gateway.mjs';
import { freePort, waitForPort } from '../lib/ports.mjs';
import { ProcessGroup } from '../lib/processes.mjs';
import { everythingStdioServer } from '../lib/upstreams.mjs';
import { clientCredentialsToken, startIdp } from './idp.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TEST = { timeout: 60000 };

async function connect(url, token) {
  const client = new Client({ name: 'mcpgw-auth-e2e', version: '1.0.0' }, { capabilities: {} });
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

describe('SDK client with bearer tokens through the gateway', () => {
  const group = new ProcessGroup();
  const clients = [];
  let idp, gateway, resource, binary;

  before(async () => {
    binary = gatewayBinary();
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    idp = await startIdp(await freePort(), resource);
    const { file } = writeTempConfig({
      listen: `127.0.0.1:${port}`,
      servers: [everythingStdioServer('everything', { prefix: false })],
      auth: {
        resource,
        issuers: [
          { issuer: idp.issuer },
          { issuer: 'mcp-gateway-dev', jwks_file: path.join(ROOT, 'config/dev-keys/jwks.json') },
        ],
        method_scopes: { 'tools/call': ['tools:call'] },
      },
    });
    const child = group.spawn('mcp-gateway', binary, ['run', '--config', file]);
    try {
      await waitForPort(port, { timeoutMs: 60000, child });
    } catch (error) {
      throw new Error(`${error.message}\n${child.output}`);
    }
    gateway = { port, url: resource, origin: `http://127.0.0.1:${port}`, child };
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await group.stopAll();
    idp?.server.close();
  });

  it('serves RFC 9728 metadata at both well-known paths', TEST, async () => {
    for (const p of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(gateway.origin + p);
      assert.equal(res.status, 200, p);
      const doc = await res.json();
      assert.equal(doc.resource, resource);
      assert.deepEqual(doc.authorization_servers, [idp.issuer]);
      assert.ok(doc.scopes_supported.includes('tools:call'));
    }
  });

  it('answers a request without a token with 401 and the challenge', TEST, async () => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'),
      `Bearer resource_metadata="${gateway.origin}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('calls a tool with an IdP token obtained by client credentials', TEST, async () => {
    const token = await clientCredentialsToken(idp.issuer, resource);
    const client = await connect(gateway.url, token);
    clients.push(client);
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'echo'));
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hello through auth' } });
    assert.match(textOf(result), /hello through auth/);
  });

  it('calls a tool with a development token from `mcp-gateway token`', TEST, async () => {
    const token = execFileSync(binary, ['token', '--sub', 'alice', '--role', 'user', '--scope', 'tools:call',
      '--aud', resource, '--key', path.join(ROOT, 'config/dev-keys/dev-rs256.pem')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const client = await connect(gateway.url, token);
    clients.push(client);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'dev token' } });
    assert.match(textOf(result), /dev token/);
  });

  it('refuses tools/call with 403 insufficient_scope when the token lacks tools:call', TEST, async () => {
    const token = await clientCredentialsToken(idp.issuer, resource, 'tools:read');
    const client = await connect(gateway.url, token);
    clients.push(client);
    await client.listTools();
    await assert.rejects(client.callTool({ name: 'echo', arguments: { message: 'x' } }), /403|insufficient_scope|scope/i);
    // The same over raw HTTP, to see the header.
    const init = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } } }),
    });
    assert.equal(init.status, 403);
    assert.match(init.headers.get('www-authenticate'), /error="insufficient_scope"/);
    assert.match(init.headers.get('www-authenticate'), /scope="tools:call"/);
  });

  it('rejects a tampered token with 401 invalid_token', TEST, async () => {
    const token = await clientCredentialsToken(idp.issuer, resource);
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    payload.sub = 'someone-else';
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
        authorization: `Bearer ${forged}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate'), /error="invalid_token", error_description="signature verification failed"/);
  });
});
