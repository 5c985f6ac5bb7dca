// An MCP server (official SDK, Streamable HTTP, stateful sessions) that is itself an OAuth
// protected resource: every request needs a bearer token the IdP issued for this server's own
// resource indicator, verified with `jose` against the IdP's JWKS (issuer, audience, expiry).
// It records the Authorization header of every request it receives, and tokens can be revoked
// (by jti) to make it answer 401 to a token it accepted before.
//
//   const up = await startProtectedUpstream({ issuer });
//   up.url, up.requests ([{ method, authorization, status }]), up.revoke(jti), up.close()
// Tool `whoami`: the verified claims of the token that carried the call.
import { randomUUID } from 'node:crypto';
import http from 'node:http';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { freePort } from './free_port.mjs';

function newServer() {
  const server = new McpServer({ name: 'protected-upstream', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The claims of the token that carried this call' }, async (extra) => ({
    content: [{ type: 'text', text: JSON.stringify(extra.authInfo?.extra?.claims ?? null) }],
  }));
  return server;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      try {
        resolve(data ? JSON.parse(data) : undefined);
      } catch (error) {
        reject(error);
      }
    });
  });
}

export async function startProtectedUpstream({ issuer }) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const requests = [];
  const revoked = new Set();
  const sessions = new Map();

  const refuse = (res, record, description) => {
    record.status = 401;
    res.writeHead(401, {
      'Content-Type': 'application/json',
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"`,
    });
    res.end(JSON.stringify({ error: 'invalid_token', error_description: description }));
  };

  const httpServer = http.createServer(async (req, res) => {
    const record = { method: req.method, authorization: req.headers.authorization ?? null, status: 0 };
    requests.push(record);
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return refuse(res, record, 'no bearer token');
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(header.slice(7), jwks, { issuer, audience: resource }));
    } catch (error) {
      return refuse(res, record, `token rejected: ${error.code ?? error.message}`);
    }
    if (revoked.has(claims.jti)) return refuse(res, record, 'token revoked');
    record.status = 200;
    req.auth = { token: header.slice(7), clientId: claims.client_id, scopes: [], extra: { claims } };
    try {
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const sid = req.headers['mcp-session-id'];
      let transport = sid ? sessions.get(sid) : undefined;
      if (!transport && req.method === 'POST' && !sid && isInitializeRequest(body)) {
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => sessions.set(id, transport),
        });
        transport.onclose = () => sessions.delete(transport.sessionId);
        await newServer().connect(transport);
      }
      if (!transport) {
        record.status = 404;
        res.writeHead(404, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      }
      await transport.handleRequest(req, res, body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    }
  });
  await new Promise((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  return {
    url: resource,
    requests,
    revoke: (jti) => revoked.add(jti),
    close: async () => {
      for (const t of sessions.values()) await t.close().catch(() => {});
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}
