// End to end: real calls through the mcp-gateway binary leave audit rows in a real PostgreSQL
// server, for allowed and denied calls, with secrets redacted; `mcp-gateway audit verify` and
// `audit query` read them back through the gateway's own config file.
//
//   MCPGW_BINARY=build-test/src/cli/mcp-gateway node --test tests/audit/e2e/audit_trail.test.mjs
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import crypto from 'node:crypto';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';

import { withProcessReport } from '../../e2e/lib/clients.mjs';
import { gatewayBinary, startGateway } from '../../e2e/lib/gateway.mjs';
import { REPO_ROOT } from '../../e2e/lib/paths.mjs';
import { ProcessGroup } from '../../e2e/lib/processes.mjs';
import { everythingStdioServer } from '../../e2e/lib/upstreams.mjs';

const CLUSTER_SCRIPT = path.join(REPO_ROOT, 'scripts/pg-test-cluster.sh');
const SECRET_KEY = 'sk-e2eSECRET0123456789abcdef';
const SECRET_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlMmUifQ.ZTJlLXNpZ25hdHVyZS12YWx1ZQ';
// Looks like nothing secret; hidden only because audit.redact_fields names `ssn`.
const CONFIGURED_SECRET = 'ssn-078-05-1120';
// Two service accounts: one may call tools, the other only list them (its calls are denied).
const CALLER_KEY = 'e2e-caller-key-0001';
const LISTER_KEY = 'e2e-lister-key-0002';
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

// The caller can sample: the upstream's sampling request during a call reaches it, and is
// audited as a call of its own.
async function connectWithKey(url, key) {
  const client = new Client({ name: 'mcpgw-audit-e2e', version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant',
    content: { type: 'text', text: 'sampled for the audit e2e' },
    model: 'e2e-test-model',
    stopReason: 'endTurn',
  }));
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `ApiKey ${key}` } },
  });
  await client.connect(transport);
  return client;
}

function psql(dsn, sql) {
  return execFileSync('psql', [dsn, '-AtX', '-c', sql], { encoding: 'utf8' }).trim();
}

describe('audit trail through the gateway into PostgreSQL', () => {
  const group = new ProcessGroup();
  // The cluster folder itself comes from mkdtemp: the script hands it to the postgres user,
  // which could not traverse a private parent folder.
  const clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpgw-audit-e2e-pg-'));
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpgw-audit-e2e-spool-'));
  let dsn;
  let gateway;
  let caller;
  let lister;

  before(async () => {
    dsn = execFileSync(CLUSTER_SCRIPT, ['start', clusterDir], { encoding: 'utf8', env: { ...process.env, PG_FSYNC: 'off' } }).trim();
    psql(dsn, 'CREATE DATABASE audit_e2e');
    dsn = dsn.replace('dbname=postgres', 'dbname=audit_e2e');
    await withProcessReport(group, async () => {
      gateway = await startGateway(group, {
        servers: [everythingStdioServer('everything', { prefix: false })],
        audit: {
          sink: 'postgres',
          dsn,
          instance: 'e2e-gw',
          spool_dir: spoolDir,
          batch_size: 10,
          flush_interval: '20ms',
          on_failure: 'fail_closed',
          redact_fields: ['ssn'],
        },
        auth: {
          resource: 'http://127.0.0.1/mcp',
          api_keys: [
            { name: 'caller', sha256: sha256(CALLER_KEY), roles: ['user'], scopes: ['tools:read', 'tools:call'] },
            { name: 'lister', sha256: sha256(LISTER_KEY), roles: ['user'], scopes: ['tools:read'] },
          ],
          method_scopes: { 'tools/call': ['tools:call'] },
        },
      });
      caller = await connectWithKey(gateway.url, CALLER_KEY);
      lister = await connectWithKey(gateway.url, LISTER_KEY);
    });
  });

  after(async () => {
    await caller?.close().catch(() => {});
    await lister?.close().catch(() => {});
    await group.stopAll();
    spawnSync(CLUSTER_SCRIPT, ['stop', clusterDir]);
    fs.rmSync(spoolDir, { recursive: true, force: true });
  });

  it('records allowed and denied calls, redacted, then verifies', { timeout: 120000 }, async () => {
    await withProcessReport(group, async () => {
      const ok = await caller.callTool({
        name: 'echo',
        arguments: { message: `key ${SECRET_KEY}`, token: SECRET_JWT, patient: { ssn: CONFIGURED_SECRET } },
      });
      assert.equal(ok.isError ?? false, false);
      // The lister lacks tools:call: the gateway refuses (403) and records a denial.
      const denied = await lister.callTool({ name: 'echo', arguments: { message: `Bearer ${SECRET_JWT}` } }).then(
        (r) => r,
        (e) => e,
      );
      assert.ok(denied instanceof Error || denied.isError, 'the call without tools:call was not refused');
      // A tool whose server asks the client to sample, with a secret in the prompt.
      const sampled = await caller.callTool(
        { name: 'trigger-sampling-request', arguments: { prompt: `summarise ${SECRET_KEY}`, maxTokens: 20 } },
        undefined,
        { timeout: 30000 },
      );
      assert.match(JSON.stringify(sampled.content), /sampled for the audit e2e/);
      // An upstream's JSON-RPC error (a prompt without its required argument).
      await assert.rejects(caller.getPrompt({ name: 'args-prompt', arguments: {} }), (e) => e.code === -32602);

      // SIGTERM: the gateway drains its audit queue before it exits.
      await group.stopAll(10000);

      const rows = psql(dsn, "SELECT decision || '|' || outcome || '|' || subject || '|' || target || '|' || reason FROM audit_events WHERE mcp_method = 'tools/call' ORDER BY seq")
        .split('\n')
        .filter(Boolean);
      assert.ok(rows.some((r) => r.startsWith('allow|success|caller|echo|')), `no allowed echo row in:\n${rows.join('\n')}`);
      assert.ok(rows.some((r) => r.startsWith('deny|denied|') && r.includes('tools:call')), `no denied row in:\n${rows.join('\n')}`);
      // The server-to-client request: its own row, the caller's, naming the server that asked,
      // inside the tools/call that caused it (its time and seq fall within the call's).
      const sampling = psql(dsn, "SELECT decision || '|' || outcome || '|' || subject || '|' || server || '|' || target || '|' || (response_bytes > 0) FROM audit_events WHERE mcp_method = 'sampling/createMessage'")
        .split('\n')
        .filter(Boolean);
      assert.deepEqual(sampling, ['allow|success|caller|everything||true']);
      const order = psql(dsn, "SELECT mcp_method || '|' || target FROM audit_events WHERE mcp_method IN ('tools/call', 'sampling/createMessage') AND subject = 'caller' ORDER BY seq")
        .split('\n')
        .filter(Boolean);
      assert.deepEqual(order, ['tools/call|echo', 'sampling/createMessage|', 'tools/call|trigger-sampling-request']);
      const promptRows = psql(dsn, "SELECT outcome || '|' || error_code || '|' || server || '|' || target || '|' || (reason LIKE '%Invalid arguments for prompt args-prompt%') FROM audit_events WHERE mcp_method = 'prompts/get'")
        .split('\n')
        .filter(Boolean);
      assert.deepEqual(promptRows, ['error|-32602|everything|args-prompt|true']);
      const everything = psql(dsn, 'SELECT string_agg(row_to_json(a)::text, E\'\\n\') FROM audit_events a');
      assert.ok(everything.includes('"target":"echo"'), 'the rows searched for secrets are not there');
      assert.ok(!everything.includes(SECRET_KEY), 'the API key reached the database');
      assert.ok(!everything.includes(SECRET_JWT), 'the JWT reached the database');
      assert.ok(!everything.includes(CONFIGURED_SECRET), 'a field audit.redact_fields names reached the database');
      assert.ok(everything.includes('"ssn": "[REDACTED]"') || everything.includes('"ssn":"[REDACTED]"'), 'the redacted field is kept as [REDACTED]');

      const binary = gatewayBinary();
      const verify = spawnSync(binary, ['audit', 'verify', '--config', gateway.configFile], { encoding: 'utf8' });
      assert.equal(verify.status, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /ok instance=e2e-gw events=\d+/);
      const query = spawnSync(binary, ['audit', 'query', '--json', '--decision', 'deny', '--config', gateway.configFile], { encoding: 'utf8' });
      assert.equal(query.status, 0, query.stderr);
      const deniedEvents = query.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(deniedEvents.length >= 1);
      assert.equal(deniedEvents[0].decision, 'deny');
    });
  });
});
