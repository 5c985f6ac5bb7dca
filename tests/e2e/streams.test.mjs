// Streams through the gateway that the conformance suite does not exercise: resuming a broken
// SSE response with Last-Event-ID, and a legacy HTTP+SSE (2024-11-05) client. Upstream: the
// conformance server over stdio.
//
//   MCPGW_BINARY=build-test/src/cli/mcp-gateway node --test tests/e2e/streams.test.mjs
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

import { assertNoSanitizerReport, withProcessReport } from './lib/clients.mjs';
import { startGateway } from './lib/gateway.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { jsonRpcMessages, mcpHeaders, openSession, rawRequest } from './lib/raw-http.mjs';
import { conformanceStdioServer } from './lib/upstreams.mjs';

const TEST = { timeout: 30000 };

// POSTs `body` and reads its SSE answer until the first event whose message satisfies `stop`;
// then drops the connection. Resolves with the id of that event.
function postUntil(url, headers, body, stop) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching event within 10 s')), 10000);
    const request = http.request(
      { host: '127.0.0.1', port: target.port, path: target.pathname, method: 'POST', headers, agent: false },
      (response) => {
        assert.equal(response.headers['content-type'], 'text/event-stream');
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
          for (const event of text.split('\n\n').slice(0, -1)) {
            const id = /^id: (.+)$/m.exec(event)?.[1];
            const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            if (id && data.trim() !== '' && stop(JSON.parse(data))) {
              clearTimeout(timer);
              request.destroy(); // the client's connection breaks mid-stream
              return resolve(id);
            }
          }
        });
      },
    );
    request.on('error', () => {});
    request.end(body);
  });
}

describe('streams through the gateway', () => {
  const group = new ProcessGroup();
  let gateway;

  before(async () => {
    await withProcessReport(group, async () => {
      gateway = await startGateway(group, {
        servers: [conformanceStdioServer('conformance', { prefix: false })],
      });
    });
  });

  after(async () => {
    await group.stopAll();
    assertNoSanitizerReport(group);
  });

  it('a broken SSE response is resumed with Last-Event-ID: the rest of it, then the result', TEST,
    () => withProcessReport(group, async () => {
      const sessionId = await openSession(gateway.url);
      const headers = mcpHeaders({ sessionId });
      const call = JSON.stringify({
        jsonrpc: '2.0', id: 7, method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'tok-7' } },
      });
      // Break the stream right after the first progress notification.
      const lastId = await postUntil(gateway.url, headers, call, (m) => m.method === 'notifications/progress');
      const resumed = await rawRequest(gateway.url, {
        method: 'GET',
        headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': lastId },
        untilResponseTo: 7,
      });
      assert.equal(resumed.status, 200);
      const messages = jsonRpcMessages(resumed);
      const progress = messages.filter((m) => m.method === 'notifications/progress');
      // Nothing already seen is sent again, nothing after it is lost.
      assert.deepEqual(progress.map((m) => m.params.progress), [50, 100]);
      for (const m of progress) assert.equal(m.params.progressToken, 'tok-7');
      const result = messages.find((m) => m.id === 7);
      assert.equal(result.result.content[0].text, 'Tool with progress completed');
    }));

  it('a Last-Event-ID beyond what was sent is refused rather than skipping events', TEST,
    () => withProcessReport(group, async () => {
      const sessionId = await openSession(gateway.url);
      const headers = mcpHeaders({ sessionId });
      const call = JSON.stringify({
        jsonrpc: '2.0', id: 8, method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 8 } },
      });
      const lastId = await postUntil(gateway.url, headers, call, (m) => m.method === 'notifications/progress');
      const stream = lastId.split('-')[0];
      const resumed = await rawRequest(gateway.url, {
        method: 'GET',
        headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': `${stream}-100000` },
        timeoutMs: 10000,
      });
      assert.equal(resumed.status, 400, resumed.body);
      assert.ok(!jsonRpcMessages(resumed).some((m) => m.id === 8),
        `a forged Last-Event-ID must not deliver the result as if the events before it were seen: ${resumed.body}`);
    }));

  it('a legacy HTTP+SSE (2024-11-05) client lists and calls tools', TEST,
    () => withProcessReport(group, async () => {
      const client = new Client({ name: 'legacy-sse-e2e', version: '1.0.0' });
      const transport = new SSEClientTransport(new URL(`${gateway.origin}/sse`));
      await client.connect(transport);
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === 'test_simple_text'));
        const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
        assert.equal(result.content[0].type, 'text');
        assert.ok(result.content[0].text.length > 0);
      } finally {
        await client.close();
      }
    }));
});
