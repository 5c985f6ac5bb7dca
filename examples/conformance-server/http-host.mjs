// Serves the conformance surface over Streamable HTTP at http://127.0.0.1:PORT/mcp with
// stateful sessions (one McpServer and transport per Mcp-Session-Id), resumable SSE streams,
// and Host/Origin validation against DNS rebinding (loopback names only).
import { randomUUID } from 'node:crypto';
import http from 'node:http';

import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

import { BoundedEventStore } from './event-store.mjs';
import { createConformanceServer } from './surface.mjs';

const MCP_PATH = '/mcp';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function hostnameOf(authority) {
  try {
    return new URL(`http://${authority}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

// Both headers must name loopback: a browser page on evil.example.com that resolved to
// 127.0.0.1 still sends Host and Origin with its own name.
function rejectsRebinding(req) {
  const host = req.headers.host;
  if (!host || !LOOPBACK_NAMES.has(hostnameOf(host))) return `Host '${host ?? ''}' is not allowed`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let name;
    try {
      name = new URL(origin).hostname.toLowerCase();
    } catch {
      name = undefined;
    }
    if (!LOOPBACK_NAMES.has(name)) return `Origin '${origin}' is not allowed`;
  }
  return undefined;
}

function sendJsonRpcError(res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function serveHttp(port, { log = () => {} } = {}) {
  const sessions = new Map(); // Mcp-Session-Id -> transport

  const startSession = async () => {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new BoundedEventStore(),
      retryInterval: 1000,
      onsessioninitialized: (id) => sessions.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await createConformanceServer().connect(transport);
    return transport;
  };

  const handle = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== MCP_PATH) return sendJsonRpcError(res, 404, -32000, `Not found: ${url.pathname}`);
    const rebinding = rejectsRebinding(req);
    if (rebinding) return sendJsonRpcError(res, 403, -32000, `Forbidden: ${rebinding}`);

    const sessionId = req.headers['mcp-session-id'];
    let body;
    if (req.method === 'POST') {
      let raw;
      try {
        raw = await readBody(req);
      } catch (error) {
        return sendJsonRpcError(res, error.status ?? 400, -32000, `Cannot read body: ${error.message}`);
      }
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJsonRpcError(res, 400, -32700, 'Parse error: the body is not JSON');
      }
    }

    if (sessionId !== undefined) {
      const transport = sessions.get(sessionId);
      if (!transport) return sendJsonRpcError(res, 404, -32001, 'Session not found');
      return transport.handleRequest(req, res, body);
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      const transport = await startSession();
      return transport.handleRequest(req, res, body);
    }
    return sendJsonRpcError(res, 400, -32000, 'Bad Request: no valid Mcp-Session-Id and not an initialize request');
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      log(`request failed: ${error.stack ?? error}`);
      if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, '127.0.0.1', resolve);
  });

  const close = async () => {
    for (const transport of sessions.values()) await transport.close().catch(() => {});
    httpServer.closeAllConnections();
    await new Promise((resolve) => httpServer.close(resolve));
  };
  return { port: httpServer.address().port, close };
}
