// Shared by the upstream credential e2e suites (upstream_credentials.mjs, token_exchange.mjs):
// the gateway binary with one protected upstream `remote` in auth.upstreams, an SDK client with
// a bearer token, and readers for tool results and JWT claims.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { assertNoSanitizerReport } from '../lib/clients.mjs';
import { writeTempConfig } from '../lib/config-yaml.mjs';
import { gatewayBinary } from '../lib/gateway.mjs';
import { waitForPort } from '../lib/ports.mjs';

// `headers`: the object the transport reads before each request; a caller that keeps it can
// change the bearer token between requests of the session, as a client that renews its token.
export async function connect(url, token, headers = {}) {
  headers.Authorization = `Bearer ${token}`;
  const client = new Client({ name: 'mcpgw-upstream-creds-e2e', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

export const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
export const claimsOf = (authorization) => JSON.parse(Buffer.from(authorization.slice(7).split('.')[1], 'base64url'));

// Starts the gateway on `port` with the upstream `remote` behind it, whose token comes from
// `tokenEndpoint` for `client` ({ client_id, client_secret }) (auth.upstreams.remote, plus
// `settings` such as { grant: 'token_exchange' }).
export async function startGateway(group, { port, idp, upstream, tokenEndpoint, client, settings = {} }) {
  const resource = `http://127.0.0.1:${port}/mcp`;
  const { file } = writeTempConfig({
    listen: `127.0.0.1:${port}`,
    log_level: 'debug',
    servers: [{ name: 'remote', transport: 'http', url: upstream.url, connect_timeout: '10s' }],
    auth: {
      resource,
      issuers: [{ issuer: idp.issuer }],
      upstreams: {
        remote: {
          token_endpoint: tokenEndpoint,
          client_id: client.client_id,
          client_secret: client.client_secret,
          client_auth: 'client_secret_basic', // oidc-provider's default for its clients
          resource: upstream.url,
          scope: 'tools:call',
          ...settings,
        },
      },
    },
  });
  const child = group.spawn('mcp-gateway', gatewayBinary(), ['run', '--config', file]);
  try {
    await waitForPort(port, { timeoutMs: 60000, child });
  } catch (error) {
    throw new Error(`${error.message}\n${child.output}`);
  }
  return { url: resource, resource, child };
}

// Closes the clients, stops the gateways, the upstream and the IdP, and fails on a sanitizer
// report in the gateways' output.
export async function tearDown({ clients, group, upstream, idp }) {
  for (const c of clients) await c.close().catch(() => {});
  await group.stopAll();
  await upstream?.close();
  idp?.server.close();
  assertNoSanitizerReport(group);
}
