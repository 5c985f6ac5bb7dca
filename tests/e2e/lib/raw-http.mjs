// Hand-made HTTP requests to an MCP endpoint, for the cases an SDK client never sends (bad JSON,
// wrong headers, forged Host). node:http rather than fetch: fetch cannot set Host.
import http from 'node:http';

export const PROTOCOL_VERSION = '2025-11-25';
const ACCEPT_BOTH = 'application/json, text/event-stream';

// One request; resolves with { status, headers, body } (body: the whole text, or '' when
// `headersOnly`, e.g. for an SSE stream that stays open). With `untilResponseTo`, resolves as
// soon as an SSE body holds the JSON-RPC response to that id (a server may keep the stream
// open after it). Rejects after `timeoutMs`.
export function rawRequest(url, {
  method = 'POST', headers = {}, body, headersOnly = false, untilResponseTo, timeoutMs = 15000,
} = {}) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const request = http.request(
      { host: '127.0.0.1', port: target.port, path: target.pathname + target.search, method, headers, agent: false },
      (response) => {
        const result = { status: response.statusCode, headers: response.headers, body: '' };
        if (headersOnly) {
          response.destroy();
          return finish(resolve, result);
        }
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          result.body += chunk;
          if (untilResponseTo !== undefined && hasResponseTo(result, untilResponseTo)) {
            response.destroy();
            finish(resolve, result);
          }
        });
        response.on('end', () => finish(resolve, result));
        response.on('error', (error) => finish(reject, error));
        // A server may reset after a complete response; what arrived is the answer.
        response.on('aborted', () => finish(resolve, result));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish(reject, new Error(`${method} ${url}: no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    // A server that answers 413 early may close while the body is still going out: the write
    // fails, but the response (if any) still decides; only a request with no response rejects.
    request.on('error', (error) => setTimeout(() => finish(reject, error), 200));
    if (body !== undefined) request.write(body);
    request.end();
  });
}

function hasResponseTo(response, id) {
  if (!(response.headers['content-type'] ?? '').includes('text/event-stream')) return false;
  // Only whole events: the body so far up to its last blank line.
  const complete = response.body.slice(0, Math.max(response.body.lastIndexOf('\n\n'), 0));
  try {
    return jsonRpcMessages({ ...response, body: complete }).some((m) => m.id === id && ('result' in m || 'error' in m));
  } catch {
    return false;
  }
}

// The JSON-RPC messages in a response body, JSON or SSE (`data:` lines of each event).
export function jsonRpcMessages(response) {
  const type = response.headers['content-type'] ?? '';
  if (type.includes('text/event-stream')) {
    const messages = [];
    for (const event of response.body.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data.trim() !== '') messages.push(JSON.parse(data));
    }
    return messages;
  }
  if (response.body.trim() === '') return [];
  const parsed = JSON.parse(response.body);
  return Array.isArray(parsed) ? parsed : [parsed];
}

// The one response (result or error) in a reply; with `id`, the response to that id.
export function jsonRpcResponse(response, id) {
  const responses = jsonRpcMessages(response).filter((m) => 'result' in m || 'error' in m);
  const match = id === undefined ? responses : responses.filter((m) => m.id === id);
  if (match.length !== 1) {
    throw new Error(`expected one JSON-RPC response${id === undefined ? '' : ` to id ${id}`}, got: ` +
      `HTTP ${response.status} ${response.headers['content-type'] ?? ''} ${response.body.slice(0, 500)}`);
  }
  return match[0];
}

export function mcpHeaders({ sessionId, host, extra = {} } = {}) {
  return {
    'Content-Type': 'application/json',
    Accept: ACCEPT_BOTH,
    ...(host ? { Host: host } : {}),
    ...(sessionId ? { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': PROTOCOL_VERSION } : {}),
    ...extra,
  };
}

export function initializeBody(id = 1) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcpgw-e2e-raw', version: '1.0.0' } },
  });
}

// initialize + notifications/initialized by hand; resolves with the session id.
export async function openSession(url) {
  const init = await rawRequest(url, { headers: mcpHeaders(), body: initializeBody() });
  if (init.status !== 200) throw new Error(`initialize: HTTP ${init.status}: ${init.body.slice(0, 300)}`);
  const sessionId = init.headers['mcp-session-id'];
  if (!sessionId) throw new Error('initialize: no Mcp-Session-Id in the response');
  const reply = jsonRpcResponse(init, 1);
  if (!reply.result) throw new Error(`initialize failed: ${JSON.stringify(reply)}`);
  const initialized = await rawRequest(url, {
    headers: mcpHeaders({ sessionId }),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  if (initialized.status !== 202) throw new Error(`notifications/initialized: HTTP ${initialized.status}, expected 202`);
  return sessionId;
}
