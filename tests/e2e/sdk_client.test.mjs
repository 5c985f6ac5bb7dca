// The official TypeScript SDK client against the gateway, with @modelcontextprotocol/server-everything
// behind it over stdio and over Streamable HTTP: tools, resources, prompts, progress and log
// notifications, and a sampling request answered by the client.
//
//   MCPGW_BINARY=build-test/src/cli/mcp-gateway node --test tests/e2e/sdk_client.test.mjs
//   MCPGW_E2E_DIRECT=1 node --test tests/e2e/sdk_client.test.mjs   (no gateway: checks the tests)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { assertNoSanitizerReport, connectClient, DIRECT, withProcessReport } from './lib/clients.mjs';
import { startGateway } from './lib/gateway.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { everythingStdioServer, startEverythingHttp } from './lib/upstreams.mjs';

const CALL = { timeout: 20000 }; // SDK request timeout: a hang fails the test, not the run
const TEST = { timeout: 60000 };
const SAMPLED_TEXT = 'sampled by the e2e client';

const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

function waitFor(predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

for (const upstreamTransport of ['stdio', 'http']) {
  describe(`SDK client via the gateway, server-everything over ${upstreamTransport}`, () => {
    const group = new ProcessGroup();
    const samplingRequests = [];
    const logMessages = [];
    let client;

    before(async () => {
      await withProcessReport(group, async () => {
        const upstream = upstreamTransport === 'stdio'
          ? everythingStdioServer('everything', { prefix: false })
          : { name: 'everything', transport: 'http', url: await startEverythingHttp(group), prefix: false };
        let target;
        if (!DIRECT) target = { url: (await startGateway(group, { servers: [upstream] })).url };
        else target = upstream.url ? { url: upstream.url } : { stdio: upstream };
        ({ client } = await connectClient(target, {
          capabilities: { sampling: {} },
          setup: (c) => {
            c.setRequestHandler(CreateMessageRequestSchema, async (request) => {
              samplingRequests.push(request.params);
              return {
                role: 'assistant',
                content: { type: 'text', text: SAMPLED_TEXT },
                model: 'e2e-test-model',
                stopReason: 'endTurn',
              };
            });
            c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logMessages.push(n.params));
          },
        }));
      });
    });

    after(async () => {
      await client?.close().catch(() => {});
      await group.stopAll();
      assertNoSanitizerReport(group);
    });

    it('lists the upstream tools, including the sampling tool for a sampling-capable client', TEST, () =>
      withProcessReport(group, async () => {
        const { tools } = await client.listTools({}, CALL);
        const names = tools.map((t) => t.name);
        for (const expected of ['echo', 'get-sum', 'trigger-long-running-operation', 'toggle-simulated-logging', 'trigger-sampling-request']) {
          assert.ok(names.includes(expected), `tools/list lacks ${expected}: ${names.join(', ')}`);
        }
        const echo = tools.find((t) => t.name === 'echo');
        assert.equal(echo.inputSchema.type, 'object');
        assert.ok(echo.inputSchema.properties.message, 'echo keeps its input schema');
      }));

    it('calls echo and get-sum', TEST, () =>
      withProcessReport(group, async () => {
        const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello through the gateway' } }, undefined, CALL);
        assert.equal(textOf(echo), 'Echo: hello through the gateway');
        const sum = await client.callTool({ name: 'get-sum', arguments: { a: 19, b: 23 } }, undefined, CALL);
        assert.equal(textOf(sum), 'The sum of 19 and 23 is 42.');
      }));

    it('pings', TEST, () =>
      withProcessReport(group, async () => {
        assert.deepEqual(await client.ping(CALL), {});
      }));

    it('lists and reads resources, static and from a template', TEST, () =>
      withProcessReport(group, async () => {
        const { resources } = await client.listResources({}, CALL);
        const document = resources.find((r) => r.uri.startsWith('demo://resource/static/document/'));
        assert.ok(document, `no static document among ${resources.map((r) => r.uri).join(', ')}`);
        const read = await client.readResource({ uri: document.uri }, CALL);
        assert.equal(read.contents[0].uri, document.uri);
        assert.ok(read.contents[0].text.length > 0, 'the document has text');

        const { resourceTemplates } = await client.listResourceTemplates({}, CALL);
        assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'demo://resource/dynamic/text/{resourceId}'),
          `templates: ${resourceTemplates.map((t) => t.uriTemplate).join(', ')}`);
        const dynamic = await client.readResource({ uri: 'demo://resource/dynamic/text/7' }, CALL);
        assert.match(dynamic.contents[0].text, /^Resource 7: /);
      }));

    it('lists and gets prompts, with and without arguments', TEST, () =>
      withProcessReport(group, async () => {
        const { prompts } = await client.listPrompts({}, CALL);
        const names = prompts.map((p) => p.name);
        assert.ok(names.includes('simple-prompt') && names.includes('args-prompt'), `prompts: ${names.join(', ')}`);
        const simple = await client.getPrompt({ name: 'simple-prompt' }, CALL);
        assert.ok(simple.messages.length > 0);
        const withArgs = await client.getPrompt({ name: 'args-prompt', arguments: { city: 'Lisbon', state: 'Lisboa' } }, CALL);
        assert.match(JSON.stringify(withArgs.messages), /Lisbon/);
      }));

    it('receives progress notifications for a long-running call', TEST, () =>
      withProcessReport(group, async () => {
        const progress = [];
        const result = await client.callTool(
          { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
          undefined,
          { ...CALL, onprogress: (p) => progress.push(p) },
        );
        assert.match(textOf(result), /Long running operation completed/);
        const seen = progress.map((p) => [p.progress, p.total]);
        const all = [[1, 4], [2, 4], [3, 4], [4, 4]];
        if (DIRECT && upstreamTransport === 'stdio') {
          // A client on stdio: the last step's notification and the result can arrive in one read,
          // and the SDK client then handles the result first and drops that notification.
          assert.ok(seen.length >= 3, `expected at least 3 progress notifications, got ${JSON.stringify(seen)}`);
          assert.deepEqual(seen, all.slice(0, seen.length));
        } else {
          assert.deepEqual(seen, all);
        }
      }));

    it('receives log notifications at the level it asked for', TEST, () =>
      withProcessReport(group, async () => {
        await client.setLoggingLevel('debug', CALL);
        const before = logMessages.length;
        const started = await client.callTool({ name: 'toggle-simulated-logging', arguments: {} }, undefined, CALL);
        assert.match(textOf(started), /Started simulated/);
        try {
          // One message at once, then one every 5 s.
          await waitFor(() => logMessages.length > before, 12000, 'a notifications/message');
        } finally {
          await client.callTool({ name: 'toggle-simulated-logging', arguments: {} }, undefined, CALL);
        }
        const message = logMessages[before];
        assert.ok(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'].includes(message.level));
        assert.match(String(message.data), /message/);
      }));

    it('answers a sampling request the upstream sends during a call', TEST, () =>
      withProcessReport(group, async () => {
        const before = samplingRequests.length;
        const result = await client.callTool(
          { name: 'trigger-sampling-request', arguments: { prompt: 'write a haiku about gateways', maxTokens: 20 } },
          undefined,
          CALL,
        );
        assert.equal(samplingRequests.length, before + 1, 'the client got exactly one sampling request');
        const request = samplingRequests[before];
        assert.match(JSON.stringify(request.messages), /write a haiku about gateways/);
        assert.equal(request.maxTokens, 20);
        assert.match(textOf(result), new RegExp(SAMPLED_TEXT));
      }));
  });
}

// Two unprefixed servers offering the same tools: every name is listed once, calls go to the
// server configured first, and the gateway says which names collide.
describe('two unprefixed servers with the same tool names', { skip: DIRECT }, () => {
  const group = new ProcessGroup();
  let gateway;
  let client;

  before(async () => {
    await withProcessReport(group, async () => {
      gateway = await startGateway(group, {
        servers: [
          everythingStdioServer('first', { prefix: false }),
          everythingStdioServer('second', { prefix: false }),
        ],
      });
      ({ client } = await connectClient({ url: gateway.url }));
    });
  });

  after(async () => {
    await client?.close();
    await group.stopAll();
    assertNoSanitizerReport(group);
  });

  it('lists each tool once, routes it, and logs the collision', TEST, () => withProcessReport(group, async () => {
    const { tools } = await client.listTools(undefined, CALL);
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('echo'), names.join(', '));
    assert.equal(new Set(names).size, names.length, `duplicate names: ${names.join(', ')}`);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'once' } }, undefined, CALL);
    assert.match(textOf(result), /once/);
    await waitFor(() => /tools 'echo' is offered by servers 'first' and 'second'; clients see only 'first''s/
      .test(gateway.child.output), 5000, 'the collision warning');
  }));
});
