// A real OpenID provider for tests: oidc-provider 9 issuing RS256 JWT access tokens for the
// gateway's resource indicator through the client-credentials grant.
//   node tests/e2e/auth/idp.mjs PORT [RESOURCE]
// startIdp(port, resource, { resources, clients }) also issues tokens for the other resource
// indicators in `resources` (e.g. an upstream MCP server's) and registers the extra `clients`
// ({ client_id, client_secret }, client-credentials grant).
// Binds 127.0.0.1:PORT, prints "idp listening http://127.0.0.1:PORT" when ready.
// Client: mcp-test-client / test-secret. Scopes: tools:read tools:call.
import { generateKeyPairSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import Provider, { errors } from 'oidc-provider';

export const CLIENT_ID = 'mcp-test-client';
export const CLIENT_SECRET = 'test-secret';

export function startIdp(port, resource, { resources = [], clients = [] } = {}) {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'idp-rs256', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, ...clients].map((c) => ({
      ...c,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
    jwks: { keys: [jwk] },
    scopes: ['tools:read', 'tools:call'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        getResourceServerInfo: (ctx, target) => {
          if (target !== resource && !resources.includes(target)) throw new errors.InvalidTarget();
          return { scope: 'tools:read tools:call', accessTokenFormat: 'jwt' };
        },
      },
    },
    extraTokenClaims: () => ({ roles: ['user'] }),
  });
  return new Promise((resolve) => {
    const server = provider.listen(port, '127.0.0.1', () => resolve({ issuer, server, provider }));
  });
}

// Client-credentials grant: returns the access token for `resource`.
export async function clientCredentialsToken(issuer, resource, scope = 'tools:read tools:call') {
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource, scope });
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'),
    },
    body,
  });
  const json = await res.json();
  if (!res.ok || !json.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(json)}`);
  return json.access_token;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2]);
  const resource = process.argv[3] || 'http://127.0.0.1:8080/mcp';
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error('usage: node idp.mjs PORT [RESOURCE]');
    process.exit(2);
  }
  const { issuer } = await startIdp(port, resource);
  console.log(`idp listening ${issuer}`);
}
