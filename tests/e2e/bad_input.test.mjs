// Bad input at the gateway's Streamable HTTP front end, each case with the answer the MCP
// specification (2025-11-25) and JSON-RPC 2.0 call for; then a check that the gateway still
// serves a normal client. Upstream: the conformance server over stdio.
//
//   MCPGW_BINARY=build-test/src/cli/mcp-gateway node --test tests/e2e/bad_input.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { assertNoSanitizerReport, connectClient, DIRECT, withProcessReport } from './lib/clients.mjs';
import { writeTempConfig } from './lib/config-yaml.mjs';
import { gatewayBinary, startGateway } from './lib/gateway.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import {
  initializeBody,
  jsonRpcResponse,
  mcpHeaders,
  openSession,
  rawRequest,
} from './lib/raw-http.mjs';
import { conformanceStdioServer, startConformanceHttp } from './lib/upstreams.mjs';

const MAX_BODY = 64 * 1024; // limits.max_body below
const TEST = { timeout: 30000 };

describe('bad input at the gateway front end', () => {
  const group = new ProcessGroup();
  let url;
  let authority; // 127.0.0.1:PORT
  let sessionId;

  before(async () => {
    await withProcessReport(group, async () => {
      url = DIRECT
        ? await startConformanceHttp(group)
        : (await startGateway(group, {
          servers: [conformanceStdioServer('conformance', { prefix: false })],
          limits: { max_body: '64KB' },
        })).url;
      authority = new URL(url).host;
      sessionId = await openSession(url);
    });
  });

  after(async () => {
    await group.stopAll();
    assertNoSanitizerReport(group);
  });

  const post = (body, { session = sessionId, headers = {} } = {}) => {
    let id;
    try {
      id = JSON.parse(body)?.id;
    } catch {
      id = undefined;
    }
    return rawRequest(url, { headers: { ...mcpHeaders({ sessionId: session }), ...headers }, body, untilResponseTo: id });
  };

  const check = (name, body) => it(name, TEST, () => withProcessReport(group, body));

  describe('JSON-RPC errors', () => {
    check('malformed JSON in a session: HTTP 400, -32700, id null', async () => {
      const response = await post('{"jsonrpc": "2.0", "id": 1, "method": "ping"');
      assert.equal(response.status, 400, response.body);
      const reply = jsonRpcResponse(response);
      assert.equal(reply.error?.code, -32700, response.body);
      assert.equal(reply.id, null);
    });

    check('malformed JSON with no session: HTTP 400, -32700', async () => {
      const response = await post('not json at all', { session: null });
      assert.equal(response.status, 400, response.body);
      assert.equal(jsonRpcResponse(response).error?.code, -32700, response.body);
    });

    const invalidRequests = {
      'no method and no result': { jsonrpc: '2.0', id: 1 },
      'jsonrpc "1.0"': { jsonrpc: '1.0', id: 2, method: 'ping' },
      'a method that is not a string': { jsonrpc: '2.0', id: 3, method: 42 },
      'an id that is an object': { jsonrpc: '2.0', id: { a: 1 }, method: 'ping' },
      'a bare number': 42,
    };
    for (const [what, message] of Object.entries(invalidRequests)) {
      check(`invalid request (${what}): HTTP 400, -32600`, async () => {
        const response = await post(JSON.stringify(message));
        assert.equal(response.status, 400, response.body);
        assert.equal(jsonRpcResponse(response).error?.code, -32600, response.body);
      });
    }

    check('unknown method: -32601 for that id', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 'm-1', method: 'no/such/method', params: {} }));
      assert.equal(response.status, 200, response.body);
      const reply = jsonRpcResponse(response, 'm-1');
      assert.equal(reply.error?.code, -32601, response.body);
    });

    check('tools/call without a tool name: -32602', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 11, method: 'tools/call', params: { arguments: {} } }));
      assert.equal(response.status, 200, response.body);
      assert.equal(jsonRpcResponse(response, 11).error?.code, -32602, response.body);
    });

    check('tools/call of a tool nobody has: -32602', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 12, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } }));
      assert.equal(response.status, 200, response.body);
      assert.equal(jsonRpcResponse(response, 12).error?.code, -32602, response.body);
    });

    check('resources/read without a uri: -32602', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 13, method: 'resources/read', params: {} }));
      assert.equal(response.status, 200, response.body);
      assert.equal(jsonRpcResponse(response, 13).error?.code, -32602, response.body);
    });

    check('prompts/get missing a required argument: -32602', async () => {
      const response = await post(JSON.stringify({
        jsonrpc: '2.0', id: 14, method: 'prompts/get', params: { name: 'test_prompt_with_arguments', arguments: { arg1: 'only one' } },
      }));
      assert.equal(response.status, 200, response.body);
      assert.equal(jsonRpcResponse(response, 14).error?.code, -32602, response.body);
    });
  });

  describe('HTTP headers', () => {
    check('Content-Type text/plain: 4xx', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 20, method: 'ping' }), { headers: { 'Content-Type': 'text/plain' } });
      assert.ok(response.status >= 400 && response.status < 500, `HTTP ${response.status}: ${response.body}`);
    });

    check('no Content-Type: 4xx', async () => {
      const headers = mcpHeaders({ sessionId });
      delete headers['Content-Type'];
      const response = await rawRequest(url, { headers, body: JSON.stringify({ jsonrpc: '2.0', id: 21, method: 'ping' }) });
      assert.ok(response.status >= 400 && response.status < 500, `HTTP ${response.status}: ${response.body}`);
    });

    check('POST accepting neither JSON nor SSE (Accept: text/html): 4xx', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 22, method: 'ping' }), { headers: { Accept: 'text/html' } });
      assert.ok(response.status >= 400 && response.status < 500, `HTTP ${response.status}: ${response.body}`);
    });

    check('GET without Accept: text/event-stream: 4xx', async () => {
      const response = await rawRequest(url, {
        method: 'GET',
        headers: { Accept: 'application/json', 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' },
        headersOnly: true,
      });
      assert.ok(response.status >= 400 && response.status < 500, `HTTP ${response.status}`);
    });

    check('an unsupported MCP-Protocol-Version: 400', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 23, method: 'ping' }), { headers: { 'MCP-Protocol-Version': '1999-01-01' } });
      assert.equal(response.status, 400, response.body);
    });

    check('request headers over the header limit: 431', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 24, method: 'ping' }), { headers: { 'X-Padding': 'x'.repeat(64 * 1024) } });
      assert.equal(response.status, 431, response.body);
    });
  });

  describe('sessions', () => {
    check('a request with no session that is not initialize: 400', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 30, method: 'tools/list' }), { session: null });
      assert.equal(response.status, 400, response.body);
    });

    check('POST with an unknown session: 404', async () => {
      const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 31, method: 'ping' }), { session: 'no-such-session' });
      assert.equal(response.status, 404, response.body);
    });

    check('GET with an unknown session: 404', async () => {
      const response = await rawRequest(url, {
        method: 'GET',
        headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': 'no-such-session', 'MCP-Protocol-Version': '2025-11-25' },
        headersOnly: true,
      });
      assert.equal(response.status, 404);
    });

    check('DELETE ends a session; then POST, GET and DELETE with it: 404', async () => {
      const ended = await openSession(url);
      const deleted = await rawRequest(url, { method: 'DELETE', headers: { 'Mcp-Session-Id': ended, 'MCP-Protocol-Version': '2025-11-25' } });
      assert.ok(deleted.status >= 200 && deleted.status < 300, `DELETE: HTTP ${deleted.status}: ${deleted.body}`);
      const afterPost = await post(JSON.stringify({ jsonrpc: '2.0', id: 32, method: 'ping' }), { session: ended });
      assert.equal(afterPost.status, 404, afterPost.body);
      const afterGet = await rawRequest(url, {
        method: 'GET',
        headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': ended, 'MCP-Protocol-Version': '2025-11-25' },
        headersOnly: true,
      });
      assert.equal(afterGet.status, 404);
      const deletedAgain = await rawRequest(url, { method: 'DELETE', headers: { 'Mcp-Session-Id': ended, 'MCP-Protocol-Version': '2025-11-25' } });
      assert.equal(deletedAgain.status, 404, deletedAgain.body);
    });
  });

  describe('body size', () => {
    const callWithPadding = (id, bytes) => JSON.stringify({
      jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'test_simple_text', arguments: {}, _meta: { padding: 'p'.repeat(bytes) } },
    });

    check('a body just under the limit is served', async () => {
      const response = await post(callWithPadding(40, MAX_BODY - 1024));
      assert.equal(response.status, 200, response.body.slice(0, 300));
      assert.ok(jsonRpcResponse(response, 40).result, response.body.slice(0, 300));
    });

    check('a body over the limit: 413', async () => {
      const response = await post(callWithPadding(41, 16 * MAX_BODY));
      assert.equal(response.status, 413, response.body.slice(0, 300));
    });
  });

  describe('DNS rebinding: Host and Origin', () => {
    const initialize = (headers) => rawRequest(url, { headers: { ...mcpHeaders(), ...headers }, body: initializeBody(50) });

    check('Host evil.example.com: 403', async () => {
      const response = await initialize({ Host: 'evil.example.com' });
      assert.equal(response.status, 403, response.body);
    });

    check(`Host evil.example.com with the gateway's port: 403`, async () => {
      const response = await initialize({ Host: `evil.example.com:${new URL(url).port}` });
      assert.equal(response.status, 403, response.body);
    });

    check('Origin http://evil.example.com with a loopback Host: 403', async () => {
      const response = await initialize({ Host: authority, Origin: 'http://evil.example.com' });
      assert.equal(response.status, 403, response.body);
    });

    check('Host and Origin on loopback (127.0.0.1 and localhost) are served', async () => {
      const port = new URL(url).port;
      for (const name of [`127.0.0.1:${port}`, `localhost:${port}`]) {
        const response = await initialize({ Host: name, Origin: `http://${name}` });
        assert.equal(response.status, 200, `${name}: ${response.body}`);
        assert.ok(jsonRpcResponse(response, 50).result, response.body);
      }
    });
  });

  check('after all of that, a normal SDK client is served', async () => {
    const { client } = await connectClient({ url });
    try {
      const result = await client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, { timeout: 15000 });
      assert.equal(result.content[0].text, 'This is a simple text response for testing.');
    } finally {
      await client.close();
    }
  });
});

// check-config reads every section the way `run` does: auth, auth.upstreams and audit too.
describe('check-config on bad configuration', () => {
  const checkConfig = (document) => {
    const { file } = writeTempConfig(document);
    return spawnSync(gatewayBinary(), ['check-config', '--config', file], { encoding: 'utf8' });
  };
  const servers = [{ name: 'remote', transport: 'http', url: 'http://127.0.0.1:9/mcp' }];

  it('a good file is ok', TEST, () => {
    const r = checkConfig({ listen: '127.0.0.1:0', servers, audit: { sink: 'jsonl', path: '/tmp/x.jsonl' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /: ok \(1 servers/);
  });

  // Lines 1-5 are listen and servers; every section reports "<key path> (line N): <message>".
  for (const [what, document, message] of [
    ['an unknown core key', { limits: { max_bodyy: '1MB' } },
      'limits.max_bodyy (line 7): unknown key (expected one of: idle_timeout, max_body, max_header, max_sessions, '
      + 'replay_buffer_events, session_idle_timeout)'],
    ['an unknown auth key', { auth: { resource: 'http://127.0.0.1/mcp', issuerz: [] } }, 'auth.issuerz (line 8): unknown key'],
    ['an unknown audit key', { audit: { sink: 'sqlite', pathh: 'x.db' } },
      'audit.pathh (line 8): unknown key (known: batch_size, connect_timeout, dsn, flush_interval, instance, max_queue, '
      + 'on_failure, path, redact_fields, sink, spool_dir)'],
    ['an unknown audit sink', { audit: { sink: 'mongodb' } }, "audit.sink (line 7): must be sqlite, postgres, jsonl or none, not 'mongodb'"],
    ['auth.upstreams naming no server', {
      auth: {
        resource: 'http://127.0.0.1/mcp',
        issuers: [{ issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' }],
        upstreams: { nowhere: { token_endpoint: 'https://idp.example/token', client_id: 'gw', client_secret: 's' } },
      },
    }, "auth.upstreams.nowhere (line 12): no server is named 'nowhere'"],
  ]) {
    it(`${what}: refused, naming the key and its line`, TEST, () => {
      const r = checkConfig({ listen: '127.0.0.1:0', servers, ...document });
      assert.equal(r.status, 2, `exit ${r.status}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr, `${message}\n`);
    });
  }

  it('a file that is not there: named, with the reason', TEST, () => {
    const file = '/nonexistent/mcpgw-gateway.yaml';
    const r = spawnSync(gatewayBinary(), ['check-config', '--config', file], { encoding: 'utf8' });
    assert.equal(r.status, 2, `exit ${r.status}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `${file}: cannot be read: No such file or directory\n`);
  });
});
