// GET /admin/audit through the real gateway: the admin role reads the audit trail as JSON lines;
// other callers and bad queries are refused. Auth: the development key in config/dev-keys.
//
//   MCPGW_BINARY=build-test/src/cli/mcp-gateway node --test tests/e2e/admin_audit.test.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertNoSanitizerReport, withProcessReport } from './lib/clients.mjs';
import { gatewayBinary, startGateway } from './lib/gateway.mjs';
import { REPO_ROOT } from './lib/paths.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { mcpHeaders, rawRequest } from './lib/raw-http.mjs';
import { conformanceStdioServer } from './lib/upstreams.mjs';

const TEST = { timeout: 30000 };
// The gateway's resource id: the audience its tokens must carry (any URL naming it will do).
const RESOURCE = 'http://127.0.0.1/mcp';

describe('the admin audit endpoint', () => {
  const group = new ProcessGroup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpgw-admin-'));
  let gateway;
  let admin;
  let user;

  const token = (sub, role) => execFileSync(gatewayBinary(), [
    'token', '--sub', sub, '--role', role, '--scope', 'tools:read',
    '--key', path.join(REPO_ROOT, 'config/dev-keys/dev-rs256.pem'), '--aud', RESOURCE,
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const get = (query, bearer) => rawRequest(`${gateway.origin}/admin/audit${query}`, {
    method: 'GET', headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
  });

  before(async () => {
    await withProcessReport(group, async () => {
      gateway = await startGateway(group, {
        servers: [conformanceStdioServer('conformance', { prefix: false })],
        auth: {
          resource: RESOURCE,
          issuers: [{ issuer: 'mcp-gateway-dev', jwks_file: path.join(REPO_ROOT, 'config/dev-keys/jwks.json'),
          }],
        },
        audit: { sink: 'sqlite', path: path.join(dir, 'audit.db'), on_failure: 'fail_open' },
      });
      admin = token('root', 'admin');
      user = token('alice', 'user');
      // One denied call (no token) so that the trail has a row to find.
      const denied = await rawRequest(gateway.origin + '/mcp', {
        headers: mcpHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      assert.equal(denied.status, 401);
    });
  });

  after(async () => {
    await group.stopAll();
    assertNoSanitizerReport(group);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an admin reads the denial as JSON lines', TEST, () => withProcessReport(group, async () => {
    let rows = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) { // the writer batches every 100 ms
      const r = await get('?decision=deny&limit=10', admin);
      assert.equal(r.status, 200, r.body);
      rows = r.body.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
      if (rows.length > 0) assert.equal(r.headers['content-type'], 'application/x-ndjson');
      if (rows.length === 0) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((row) => row.decision === 'deny'));
    assert.equal(rows[0].mcp_method, 'ping');
    assert.equal(rows[0].reason, 'no access token');
  }));

  it('a user gets 403, no token 401', TEST, () => withProcessReport(group, async () => {
    assert.equal((await get('', user)).status, 403);
    const anonymous = await get('', undefined);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers['www-authenticate'], /^Bearer /);
  }));

  it('GET /metrics counts the audit events in Prometheus text format', TEST, () => withProcessReport(group, async () => {
    const value = (body, series) => {
      const line = body.split('\n').find((l) => l.startsWith(series + ' '));
      assert.ok(line, `no ${series} in:\n${body}`);
      return Number(line.slice(series.length + 1));
    };
    let m;
    for (let i = 0; i < 50; i++) { // the denial from before() is written within ~100 ms
      m = await rawRequest(gateway.origin + '/metrics', { method: 'GET' });
      assert.equal(m.status, 200, m.body);
      if (value(m.body, 'mcpgw_audit_events_total{state="written"}') >= 1) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.match(m.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    assert.ok(value(m.body, 'mcpgw_audit_events_total{state="enqueued"}') >= 1);
    assert.ok(value(m.body, 'mcpgw_audit_events_total{state="written"}') >= 1);
    assert.equal(value(m.body, 'mcpgw_audit_events_total{state="dropped"}'), 0);
    assert.equal(value(m.body, 'mcpgw_audit_accepting'), 1);
    assert.match(m.body, /^# TYPE mcpgw_audit_events_total counter$/m);
    assert.ok(value(m.body, 'mcpgw_sessions') >= 0);
  }));

  it('bad queries get 400 naming the parameter', TEST, () => withProcessReport(group, async () => {
    const unknown = await get('?foo=1', admin);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body, /unknown parameter 'foo'/);
    const badLimit = await get('?limit=x', admin);
    assert.equal(badLimit.status, 400);
    assert.match(badLimit.body, /bad value for 'limit'/);
    const badTime = await get('?since=yesterday', admin);
    assert.equal(badTime.status, 400);
  }));
});
