// Upstreams that are down, crash mid-call or answer garbage: the client must get a JSON-RPC
// error (never a hang), and the gateway must go on serving the healthy upstream and new sessions.
// The misbehaving upstreams are in fixtures/.
//
//   MCPGW_BINARY=build-test/src/cli/mcp-gateway node --test tests/e2e/upstream_failures.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertNoSanitizerReport, connectClient, DIRECT, withProcessReport } from './lib/clients.mjs';
import { startGateway } from './lib/gateway.mjs';
import { freePort } from './lib/ports.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { jsonRpcResponse, mcpHeaders, openSession, rawRequest } from './lib/raw-http.mjs';
import {
  conformanceStdioServer,
  misbehavingStdioServer,
  startMisbehavingHttp,
} from './lib/upstreams.mjs';

// Every failing call must be answered within this; the upstream timeouts below are far shorter.
const ANSWER_WITHIN_MS = 15000;
const RECOVER_WITHIN_MS = 20000;
const TEST = { timeout: 60000 };

describe('misbehaving upstreams behind the gateway', { skip: DIRECT && 'needs the gateway' }, () => {
  const group = new ProcessGroup();
  let gateway;
  let sessionId;
  let nextId = 1;

  before(async () => {
    await withProcessReport(group, async () => {
      const nothingListens = await freePort();
      gateway = await startGateway(group, {
        servers: [
          conformanceStdioServer('good'),
          misbehavingStdioServer('crashy', 'crash-on-call', { restart_backoff: '100ms', restart_backoff_max: '1s' }),
          misbehavingStdioServer('garbage', 'garbage-on-call', { request_timeout: '3s', restart_backoff: '100ms' }),
          misbehavingStdioServer('babbler', 'garbage-always', { connect_timeout: '2s', request_timeout: '3s' }),
          misbehavingStdioServer('deadstdio', 'exit-at-start', { restart_backoff: '500ms' }),
          { name: 'down', transport: 'http', url: `http://127.0.0.1:${nothingListens}/mcp`, connect_timeout: '2s', request_timeout: '3s' },
          { name: 'badhttp', transport: 'http', url: await startMisbehavingHttp(group), request_timeout: '3s' },
        ],
      });
      sessionId = await openSession(gateway.url);
    });
  });

  after(async () => {
    await group.stopAll();
    assertNoSanitizerReport(group);
  });

  // One JSON-RPC request through the gateway; resolves with the response to it. A response that
  // does not come within ANSWER_WITHIN_MS rejects: that is a hang.
  const request = async (method, params) => {
    const id = nextId++;
    const started = Date.now();
    const response = await rawRequest(gateway.url, {
      headers: mcpHeaders({ sessionId }),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      untilResponseTo: id,
      timeoutMs: ANSWER_WITHIN_MS,
    });
    assert.equal(response.status, 200, `${method} ${JSON.stringify(params)}: HTTP ${response.status}: ${response.body}`);
    return { reply: jsonRpcResponse(response, id), ms: Date.now() - started };
  };
  const callTool = (name) => request('tools/call', { name, arguments: {} });

  const assertJsonRpcError = (reply, what) => {
    assert.ok(reply.error, `${what}: expected a JSON-RPC error, got ${JSON.stringify(reply)}`);
    assert.equal(typeof reply.error.code, 'number', `${what}: error code`);
    assert.equal(typeof reply.error.message, 'string', `${what}: error message`);
  };

  const assertGoodServes = async () => {
    const { reply } = await callTool('good__test_simple_text');
    assert.equal(reply.result?.content?.[0]?.text, 'This is a simple text response for testing.', JSON.stringify(reply));
  };

  // Calls `name` until it succeeds (the gateway restarts a dead upstream with backoff).
  const assertRecovers = async (name) => {
    const deadline = Date.now() + RECOVER_WITHIN_MS;
    let last;
    while (Date.now() < deadline) {
      ({ reply: last } = await callTool(name));
      if (last.result?.content?.[0]?.text === 'hello') return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.fail(`${name} did not work again within ${RECOVER_WITHIN_MS} ms; last reply ${JSON.stringify(last)}`);
  };

  const check = (name, body) => it(name, TEST, () => withProcessReport(group, body));

  check('starts and serves the healthy upstreams although others are down or broken', async () => {
    const { reply } = await request('tools/list', {});
    const names = (reply.result?.tools ?? []).map((t) => t.name);
    for (const expected of ['good__test_simple_text', 'crashy__hello', 'crashy__crash', 'garbage__hello', 'badhttp__hello']) {
      assert.ok(names.includes(expected), `tools/list lacks ${expected}: ${names.join(', ')}`);
    }
    await assertGoodServes();
  });

  for (const [server, why] of [
    ['down', 'an HTTP upstream with nothing listening'],
    ['deadstdio', 'a stdio upstream that exits at start'],
    ['babbler', 'a stdio upstream that never speaks JSON-RPC'],
  ]) {
    check(`a call routed to ${why} gets a JSON-RPC error`, async () => {
      const { reply } = await callTool(`${server}__anything`);
      assertJsonRpcError(reply, `${server}__anything`);
      await assertGoodServes();
    });
  }

  check('an upstream that crashes mid-call: JSON-RPC error, then it is restarted', async () => {
    const { reply } = await callTool('crashy__crash');
    assertJsonRpcError(reply, 'crashy__crash');
    await assertGoodServes();
    await assertRecovers('crashy__hello');
  });

  check('a stdio upstream that answers garbage: JSON-RPC error, and others are not held up', async () => {
    const garbageCall = callTool('garbage__garbage');
    const good = await callTool('good__test_simple_text'); // while the garbage call is pending
    const { reply, ms } = await garbageCall;
    assertJsonRpcError(reply, 'garbage__garbage');
    assert.ok(good.ms < ms, `the healthy call (${good.ms} ms) waited for the broken one (${ms} ms)`);
    assert.ok(good.reply.result, JSON.stringify(good.reply));
    await assertRecovers('garbage__hello');
  });

  for (const [tool, what] of [
    ['garbage', 'a 200 response whose body is not JSON'],
    ['http500', 'HTTP 500'],
    ['hangup', 'a connection closed without a response'],
  ]) {
    check(`an HTTP upstream answering with ${what}: JSON-RPC error`, async () => {
      const { reply } = await callTool(`badhttp__${tool}`);
      assertJsonRpcError(reply, `badhttp__${tool}`);
      await assertRecovers('badhttp__hello');
    });
  }

  check('after all of that the gateway is up and serves a new SDK client', async () => {
    assert.equal(gateway.child.hasExited, false, 'the gateway process exited');
    const { client } = await connectClient({ url: gateway.url });
    try {
      const result = await client.callTool({ name: 'good__test_simple_text', arguments: {} }, undefined, { timeout: 15000 });
      assert.equal(result.content[0].text, 'This is a simple text response for testing.');
    } finally {
      await client.close();
    }
  });
});
