// A real OpenID provider for tests: oidc-provider 9 issuing RS256 JWT access tokens for the
// gateway's resource indicator through the client-credentials grant.
//   node tests/e2e/auth/idp.mjs PORT [RESOURCE]
// startIdp(port, resource, { resources, clients }) also issues tokens for the other resource
// indicators in `resources` (e.g. an upstream MCP server's) and registers the extra `clients`
// ({ client_id, client_secret }, client-credentials grant).
// With `tokenExchange` ({ subjectAudiences, refuseSubjects }) it also implements RFC 8693 token
// exchange (see registerTokenExchange) for every client; userToken() mints a user's access token.
// With `opaque: true` the access tokens are opaque (for RFC 7662 introspection, instead of
// JWTs; not for token exchange, whose tokens stay JWTs), the gateway's introspection client
// (INTROSPECTION_CLIENT_ID / INTROSPECTION_CLIENT_SECRET) is registered and token revocation
// (RFC 7009, revokeToken) is enabled.
// Every introspection request is recorded in the returned `introspections`
// ({ client_id of the caller, token, active }), in arrival order.
// Binds 127.0.0.1:PORT, prints "idp listening http://127.0.0.1:PORT" when ready.
// Client: mcp-test-client / test-secret. Scopes: tools:read tools:call.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { jwtVerify } from 'jose';
import Provider, { errors } from 'oidc-provider';

export const CLIENT_ID = 'mcp-test-client';
export const CLIENT_SECRET = 'test-secret';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const INTROSPECTION_CLIENT_ID = 'mcp-gateway-introspector';
export const INTROSPECTION_CLIENT_SECRET = 'introspector-secret';

export function startIdp(port, resource, { resources = [], clients = [], tokenExchange, opaque = false } = {}) {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'idp-rs256', use: 'sig', alg: 'RS256' };
  const allClients = [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, ...clients];
  if (opaque) allClients.push({ client_id: INTROSPECTION_CLIENT_ID, client_secret: INTROSPECTION_CLIENT_SECRET });
  const provider = new Provider(issuer, {
    clients: allClients.map((c) => ({
      ...c,
      grant_types: tokenExchange ? ['client_credentials', TOKEN_EXCHANGE] : ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
    jwks: { keys: [jwk] },
    scopes: ['tools:read', 'tools:call'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: opaque },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        getResourceServerInfo: (ctx, target) => {
          if (target !== resource && !resources.includes(target)) throw new errors.InvalidTarget();
          return { scope: 'tools:read tools:call', accessTokenFormat: opaque ? 'opaque' : 'jwt' };
        },
      },
    },
    // A token issued by token exchange names the client that acted for the user (RFC 8693 4.1).
    extraTokenClaims: (ctx, token) =>
      token.gty === 'token_exchange' ? { roles: ['user'], act: { sub: token.clientId } } : { roles: ['user'] },
  });
  if (tokenExchange) registerTokenExchange(provider, { issuer, publicKey, resource, resources, ...tokenExchange });
  const introspections = recordIntrospections(provider);
  return new Promise((resolve) => {
    const server = provider.listen(port, '127.0.0.1', () => resolve({ issuer, server, provider, introspections }));
  });
}

// Records each request to the provider's introspection endpoint once it has been answered:
// the authenticated caller, the token asked about and the answer's `active`.
function recordIntrospections(provider) {
  const records = [];
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'introspection') {
      records.push({ client_id: ctx.oidc.client?.clientId, token: ctx.oidc.params?.token, active: ctx.body?.active });
    }
  });
  return records;
}

// RFC 8693 token exchange: an authenticated client presents a user's access token
// (subject_token) and gets an access token for another resource (`resource` or `audience`) on
// behalf of that user: sub is the user's, act.sub names the client. The subject token must be a
// JWT access token this provider issued (signature with its key, iss, typ at+jwt, exp) for one of
// `subjectAudiences` (default: the gateway's resource). Subjects in `refuseSubjects` are refused
// with invalid_grant, as a policy that forbids delegation for them would.
// invalid_grant whose error_description says why (oidc-provider's own is generic).
function invalidGrant(description) {
  const error = new errors.InvalidGrant(description);
  error.error_description = description;
  return error;
}

function registerTokenExchange(provider, { issuer, publicKey, resource, resources, subjectAudiences = [resource], refuseSubjects = [] }) {
  const params = ['subject_token', 'subject_token_type', 'resource', 'audience', 'scope',
    'requested_token_type', 'actor_token', 'actor_token_type'];
  provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
    const { client, params: p } = ctx.oidc;
    if (!p.subject_token) throw new errors.InvalidRequest('subject_token is required');
    if (p.subject_token_type !== ACCESS_TOKEN_TYPE)
      throw new errors.InvalidRequest(`unsupported subject_token_type ${p.subject_token_type}`);
    if (p.requested_token_type && p.requested_token_type !== ACCESS_TOKEN_TYPE)
      throw new errors.InvalidRequest(`unsupported requested_token_type ${p.requested_token_type}`);
    let subject;
    try {
      ({ payload: subject } = await jwtVerify(p.subject_token, publicKey, {
        issuer, audience: subjectAudiences, typ: 'at+jwt', algorithms: ['RS256'],
      }));
    } catch (error) {
      throw invalidGrant(`subject_token rejected: ${error.code || error.message}`);
    }
    if (refuseSubjects.includes(subject.sub))
      throw invalidGrant(`token exchange is not permitted for subject ${subject.sub}`);
    const target = p.resource || p.audience;
    if (!target || !resources.includes(target)) throw new errors.InvalidTarget();
    const allowed = new Set(['tools:read', 'tools:call']);
    const scope = (p.scope ? p.scope.split(' ') : [...allowed]).filter((s) => allowed.has(s)).join(' ');
    const token = new provider.AccessToken({
      accountId: subject.sub, client, grantId: randomUUID(), scope, gty: 'token_exchange',
    });
    token.resourceServer = { audience: target, scope: [...allowed].join(' '), accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
    const value = await token.save();
    ctx.body = {
      access_token: value, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer',
      expires_in: token.expiration, scope,
    };
  }, params);
}

// A user's access token for `resource`, as the provider would issue it after the user logged in
// through `clientId` (the tests have no browser to log in with): a JWT signed by the provider,
// sub = the user.
export async function userToken(provider, sub, resource, { clientId = CLIENT_ID, scope = 'tools:read tools:call' } = {}) {
  const client = await provider.Client.find(clientId);
  const token = new provider.AccessToken({ accountId: sub, client, grantId: randomUUID(), scope, gty: 'authorization_code' });
  token.resourceServer = { audience: resource, scope, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
  return token.save();
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

// RFC 7009 revocation of `token` by the client it was issued to (mcp-test-client); the
// provider must have been started with `opaque: true`.
export async function revokeToken(issuer, token) {
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const res = await fetch(meta.revocation_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'),
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  if (res.status !== 200) throw new Error(`revocation failed: ${res.status} ${await res.text()}`);
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
