// An upstream that is down when a session starts, or dies later, comes back into that session on
// its own: the gateway restarts it when its backoff is over, tells the client its lists changed,
// and lists it again, without the client having to call one of its tools first.
//
//   MCPGW_BINARY=build-test/src/cli/mcp-gateway node --test tests/e2e/upstream_recovery.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { assertNoSanitizerReport, connectClient, DIRECT, withProcessReport } from './lib/clients.mjs';
import { startGateway } from './lib/gateway.mjs';
import { CONFORMANCE_SERVER, NODE } from './lib/paths.mjs';
import { freePort, waitForPort } from './lib/ports.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { conformanceStdioServer, misbehavingStdioServer } from './lib/upstreams.mjs';

const TEST = { timeout: 60000 };
const NOTICE_WITHIN_MS = 15000;

// The conformance server over Streamable HTTP on a port chosen beforehand (the gateway's config
// names it before anything listens there). It never announces list changes itself, so every
// tools/list_changed the client gets comes from the gateway.
async function startConformanceOn(group, port) {
  const child = group.spawn(`conformance-http:${port}`, NODE, [CONFORMANCE_SERVER, '--http', String(port)]);
  await waitForPort(port, { timeoutMs: 30000, child });
  return child;
}

// The config entry of `late`: an HTTP upstream on `port`, where nothing listens at first.
const lateServer = (port, extra = {}) => ({
  name: 'late',
  transport: 'http',
  url: `http://127.0.0.1:${port}/mcp`,
  connect_timeout: '2s',
  restart_backoff: '200ms',
  restart_backoff_max: '1s',
  ...extra,
});

describe('an upstream that comes back', { skip: DIRECT && 'needs the gateway' }, () => {
  const group = new ProcessGroup();
  let gateway;
  let port;

  before(async () => {
    await withProcessReport(group, async () => {
      port = await freePort();
      gateway = await startGateway(group, {
        servers: [
          conformanceStdioServer('good'),
          lateServer(port, { request_timeout: '5s' }),
        ],
      });
    });
  });

  after(async () => {
    await group.stopAll();
    assertNoSanitizerReport(group);
  });

  // A client that counts tools/list_changed notifications (they come on its GET stream).
  const listeningClient = async () => {
    const changes = [];
    const { client } = await connectClient(
      { url: gateway.url },
      {
        setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => changes.push(Date.now())),
      },
    );
    const notified = async () => {
      const deadline = Date.now() + NOTICE_WITHIN_MS;
      while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return changes.length > 0;
    };
    return { client, changes, notified };
  };
  const toolNames = async (client) => (await client.listTools()).tools.map((t) => t.name);

  it('down when the session starts: listed once it is up, and the client is told', TEST, () =>
    withProcessReport(group, async () => {
      const { client, changes, notified } = await listeningClient();
      try {
        const before = await toolNames(client);
        assert.ok(before.includes('good__test_simple_text'), before.join(', '));
        assert.equal(before.filter((n) => n.startsWith('late__')).length, 0, before.join(', '));
        assert.equal(changes.length, 0, 'no list change before the upstream is up');

        await startConformanceOn(group, port);
        assert.ok(await notified(), `no tools/list_changed within ${NOTICE_WITHIN_MS} ms of the upstream starting`);
        const afterwards = await toolNames(client);
        assert.ok(afterwards.includes('late__test_simple_text'), afterwards.join(', '));
        assert.ok(afterwards.includes('good__test_simple_text'), afterwards.join(', '));
        const result = await client.callTool({ name: 'late__test_simple_text', arguments: {} });
        assert.equal(result.content[0].text, 'This is a simple text response for testing.');
      } finally {
        await client.close();
      }
    }));

  it('dies during the session: a call fails, then it comes back on its own and is announced', TEST, () =>
    withProcessReport(group, async () => {
      const { client, changes, notified } = await listeningClient();
      try {
        assert.ok((await toolNames(client)).includes('late__test_simple_text'));
        const upstream = group.children.find((c) => c.name === `conformance-http:${port}` && !c.hasExited);
        assert.ok(upstream, 'the conformance server is running');
        process.kill(-upstream.pid, 'SIGKILL');
        await upstream.exited;

        // A call to it now gets a JSON-RPC error naming the upstream, not a hang. (The HTTP
        // session is only known to be gone when the server answers again: HTTP 404 for it.)
        await assert.rejects(
          client.callTool({ name: 'late__test_simple_text', arguments: {} }, undefined, { timeout: 15000 }),
          (e) => e.code === -32603 && /upstream 'late' request failed \(connect: Connection refused\)/.test(e.message),
        );
        const down = await toolNames(client);
        assert.equal(down.filter((n) => n.startsWith('late__')).length, 0, down.join(', '));
        assert.equal(changes.length, 0);

        await startConformanceOn(group, port);
        assert.ok(await notified(), `no tools/list_changed within ${NOTICE_WITHIN_MS} ms of the restart`);
        assert.ok((await toolNames(client)).includes('late__test_simple_text'));
      } finally {
        await client.close();
      }
    }));
});

// Many sessions, one dead server: one session's link at a time probes it, failed probes space
// out the next (the server's backoff), and when one probe succeeds every session comes back.
describe('many sessions and one dead upstream', { skip: DIRECT && 'needs the gateway' }, () => {
  const group = new ProcessGroup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpgw-recovery-'));
  const startLog = path.join(dir, 'starts.log');
  const SESSIONS = 6;
  let gateway;
  let port;

  before(async () => {
    await withProcessReport(group, async () => {
      port = await freePort();
      gateway = await startGateway(group, {
        servers: [
          conformanceStdioServer('good'),
          misbehavingStdioServer('dead', 'exit-at-start', {
            restart_backoff: '100ms',
            restart_backoff_max: '400ms',
            env: { MCPGW_FIXTURE_START_LOG: startLog },
          }),
          lateServer(port),
        ],
      });
    });
  });

  after(async () => {
    await group.stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
    assertNoSanitizerReport(group);
  });

  const starts = () => (fs.existsSync(startLog) ? fs.readFileSync(startLog, 'utf8').split('\n').filter(Boolean).length : 0);

  it('a stdio server that dies at every start is not restarted once per session per backoff', TEST, () =>
    withProcessReport(group, async () => {
      const clients = [];
      try {
        for (let i = 0; i < SESSIONS; ++i) clients.push((await connectClient({ url: gateway.url })).client);
        const opened = Date.now();
        const atOpen = starts();
        assert.ok(atOpen >= SESSIONS, `each session started it once: ${atOpen}`);
        await new Promise((r) => setTimeout(r, 3000));
        const elapsed = Date.now() - opened;
        const restarts = starts() - atOpen;
        // One probe per server backoff (100, 200, then every 400 ms) at most, plus the probes in
        // flight at either end; each session restarting on its own would be about SESSIONS
        // times as many.
        const bound = Math.ceil(elapsed / 400) + 4;
        assert.ok(restarts >= 1, 'the dead server was probed');
        assert.ok(restarts <= bound, `${restarts} restarts in ${elapsed} ms by ${SESSIONS} sessions (at most ${bound})`);
      } finally {
        for (const c of clients) await c.close();
      }
    }));

  it('when the server comes back, every session gets it back and is told', TEST, () =>
    withProcessReport(group, async () => {
      const sessions = [];
      try {
        for (let i = 0; i < 3; ++i) {
          const changes = [];
          const { client } = await connectClient({ url: gateway.url }, {
            setup: (c) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => changes.push(Date.now())),
          });
          sessions.push({ client, changes });
        }
        // Long enough for the sessions' own backoffs to grow past the server's first ones.
        await new Promise((r) => setTimeout(r, 1500));
        await startConformanceOn(group, port);
        const deadline = Date.now() + NOTICE_WITHIN_MS;
        while (sessions.some((s) => s.changes.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(sessions.map((s) => s.changes.length > 0), [true, true, true], 'every session was told');
        for (const { client } of sessions) {
          const names = (await client.listTools()).tools.map((t) => t.name);
          assert.ok(names.includes('late__test_simple_text'), names.join(', '));
        }
      } finally {
        for (const { client } of sessions) await client.close();
      }
    }));
});
