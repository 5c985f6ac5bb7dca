// Token exchange on behalf of the user (RFC 8693) end to end: auth.upstreams.remote has
// `grant: token_exchange`, so for each client session the gateway exchanges the client's own
// access token at the IdP (oidc-provider with a token-exchange grant handler that verifies the
// subject token: see idp.mjs) for a token for the upstream's resource, and the protected SDK
// upstream (jose-verified, protected_upstream.mjs) sees the user as `sub` and the gateway's
// client as `act.sub`. Never the client's token; each user their own token; the exchange is
// cached per subject token; a revoked exchanged token is replaced by a new exchange; an exchange
// the IdP refuses fails the call with an error naming the IdP's reason.
//
//   MCPGW_BINARY=build/src/cli/mcp-gateway node --test tests/e2e/auth/token_exchange.mjs
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { freePort } from '../lib/ports.mjs';
import { ProcessGroup } from '../lib/processes.mjs';
import { TOKEN_EXCHANGE, startIdp, userToken } from './idp.mjs';
import { startProtectedUpstream } from './protected_upstream.mjs';
import { claimsOf, connect, startGateway, tearDown, textOf } from './upstream_gateway.mjs';

const TEST = { timeout: 60000 };
const GATEWAY_CLIENT = { client_id: 'mcp-gateway-exchange', client_secret: 'gateway-secret' };

const whoami = async (client) => JSON.parse(textOf(await client.callTool({ name: 'remote__whoami', arguments: {} })));

describe('token exchange: the upstream sees the user, with the gateway as actor', () => {
  const group = new ProcessGroup();
  const clients = [];
  const exchanges = []; // subjects of the successful token exchanges, as the IdP saw them
  let idp, upstream, gateway, tokens;

  before(async () => {
    const idpPort = await freePort();
    const issuer = `http://127.0.0.1:${idpPort}`;
    upstream = await startProtectedUpstream({ issuer });
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    idp = await startIdp(idpPort, resource, {
      resources: [upstream.url],
      clients: [GATEWAY_CLIENT],
      tokenExchange: { subjectAudiences: [resource], refuseSubjects: ['mallory'] },
    });
    idp.provider.on('grant.success', (ctx) => {
      if (ctx.oidc.params.grant_type === TOKEN_EXCHANGE) exchanges.push(claimsOf(`Bearer ${ctx.body.access_token}`).sub);
    });
    const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    gateway = await startGateway(group, {
      port, idp, upstream, tokenEndpoint: meta.token_endpoint, client: GATEWAY_CLIENT,
      settings: { grant: 'token_exchange' },
    });
    tokens = {
      alice: await userToken(idp.provider, 'alice', resource),
      bob: await userToken(idp.provider, 'bob', resource),
      mallory: await userToken(idp.provider, 'mallory', resource),
    };
  });

  after(async () => {
    await tearDown({ clients, group, upstream, idp });
    // The client tokens were never written to the gateway's log.
    for (const token of Object.values(tokens ?? {}))
      assert.ok(!gateway.child.output.includes(token), 'a client token is in the gateway log');
  });

  it('calls the upstream with a token exchanged for alice\'s: sub alice, aud the upstream, act the gateway', TEST, async () => {
    const before = upstream.requests.length;
    const client = await connect(gateway.url, tokens.alice);
    clients.push(client);
    const claims = await whoami(client);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, upstream.url);
    assert.equal(claims.iss, idp.issuer);
    assert.deepEqual(claims.act, { sub: GATEWAY_CLIENT.client_id });
    assert.equal(claims.client_id, GATEWAY_CLIENT.client_id);
    const seen = upstream.requests.slice(before);
    assert.ok(seen.length >= 3, JSON.stringify(seen));
    for (const r of seen) {
      assert.ok(r.authorization, `every request carries credentials: ${JSON.stringify(r)}`);
      assert.ok(!r.authorization.includes(tokens.alice), 'alice\'s own token was forwarded upstream');
      assert.equal(claimsOf(r.authorization).sub, 'alice');
      assert.equal(r.status, 200);
    }
    assert.deepEqual(exchanges, ['alice'], 'one exchange for the session');
  });

  it('gives a second user a token of their own', TEST, async () => {
    const client = await connect(gateway.url, tokens.bob);
    clients.push(client);
    const bob = await whoami(client);
    assert.equal(bob.sub, 'bob');
    assert.deepEqual(bob.act, { sub: GATEWAY_CLIENT.client_id });
    const alice = await whoami(clients[0]);
    assert.equal(alice.sub, 'alice', 'alice\'s session still carries alice\'s token');
    assert.notEqual(bob.jti, alice.jti);
    assert.deepEqual(exchanges, ['alice', 'bob']);
  });

  it('reuses the exchanged token for another session with the same client token', TEST, async () => {
    const first = await whoami(clients[0]);
    const client = await connect(gateway.url, tokens.alice);
    clients.push(client);
    const second = await whoami(client);
    assert.equal(second.jti, first.jti, 'the cached exchange result');
    assert.deepEqual(exchanges, ['alice', 'bob'], 'no new exchange');
  });

  it('exchanges again when the upstream refuses the exchanged token (HTTP 401)', TEST, async () => {
    const first = await whoami(clients[0]);
    // A user's token is exchanged at most once a second (an upstream refusing every token must
    // not cost an exchange per call): let that second pass since alice's exchange.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    upstream.revoke(first.jti);
    const before = upstream.requests.length;
    const second = await whoami(clients[0]);
    assert.notEqual(second.jti, first.jti, 'a new token');
    assert.equal(second.sub, 'alice');
    assert.deepEqual(second.act, { sub: GATEWAY_CLIENT.client_id });
    const refused = upstream.requests.slice(before).filter((r) => r.status === 401);
    assert.ok(refused.length >= 1, 'the upstream refused the revoked token');
    for (const r of refused) assert.equal(claimsOf(r.authorization).jti, first.jti);
    assert.deepEqual(exchanges, ['alice', 'bob', 'alice']);
    // alice's other session (same client token) now finds the new token in the cache.
    assert.equal((await whoami(clients[2])).jti, second.jti);
    assert.equal(exchanges.length, 3);
  });

  it('fails the call with the IdP\'s reason when it refuses the exchange', TEST, async () => {
    const before = upstream.requests.length;
    const client = await connect(gateway.url, tokens.mallory);
    clients.push(client);
    await assert.rejects(client.callTool({ name: 'remote__whoami', arguments: {} }), (error) => {
      assert.match(error.message, /upstream remote is unavailable/);
      assert.match(error.message, /no credentials for the request/);
      assert.match(error.message, /token exchange at http:\/\/127\.0\.0\.1:\d+\/token failed/);
      assert.match(error.message, /invalid_grant: token exchange is not permitted for subject mallory/);
      assert.ok(!error.message.includes(tokens.mallory));
      return true;
    });
    assert.deepEqual(upstream.requests.slice(before), [], 'nothing was sent without credentials');
    // The others are not affected.
    assert.equal((await whoami(clients[1])).sub, 'bob');
  });
});
