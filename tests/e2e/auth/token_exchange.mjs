// Token exchange on behalf of the user (RFC 8693) end to end: auth.upstreams.remote has
// `grant: token_exchange`, so for each client session the gateway exchanges the client's own
// access token at the IdP (oidc-provider with a token-exchange grant handler that verifies the
// subject token: see idp.mjs) for a token for the upstream's resource, and the protected SDK
// upstream (jose-verified, protected_upstream.mjs) sees the user as `sub` and the gateway's
// client as `act.sub`. Never the client's token; each user their own token; the exchange is
// cached per subject token; a revoked exchanged token is replaced by a new exchange; an exchange
// the IdP refuses fails the call with an error naming the IdP's reason. A newer token of the same
// user in a session is exchanged in its turn (an older one brought again does not take its
// place); another user's token does not find the session.
//
//   MCPGW_BINARY=build/src/cli/mcp-gateway node --test tests/e2e/auth/token_exchange.mjs
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { freePort } from '../lib/ports.mjs';
import { ProcessGroup } from '../lib/processes.mjs';
import { mcpHeaders, rawRequest } from '../lib/raw-http.mjs';
import { TOKEN_EXCHANGE, startIdp, userToken } from './idp.mjs';
import { startProtectedUpstream } from './protected_upstream.mjs';
import { claimsOf, connect, startGateway, tearDown, textOf } from './upstream_gateway.mjs';

const TEST = { timeout: 60000 };
const GATEWAY_CLIENT = { client_id: 'mcp-gateway-exchange', client_secret: 'gateway-secret' };

const jtiOf = (token) => claimsOf(`Bearer ${token}`).jti;
const whoami = async (client) => JSON.parse(textOf(await client.callTool({ name: 'remote__whoami', arguments: {} })));

describe('token exchange: the upstream sees the user, with the gateway as actor', () => {
  const group = new ProcessGroup();
  const clients = [];
  const exchanges = []; // subjects of the successful token exchanges, as the IdP saw them
  const exchangedFrom = new Map(); // jti of each exchanged token -> jti of the subject token
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
      if (ctx.oidc.params.grant_type !== TOKEN_EXCHANGE) return;
      const issued = claimsOf(`Bearer ${ctx.body.access_token}`);
      exchanges.push(issued.sub);
      exchangedFrom.set(issued.jti, jtiOf(ctx.oidc.params.subject_token));
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

  // A session of alice's (the test below opens it).
  const renewing = {};

  it('a newer token of the same user in the session is exchanged in its turn; the older one does not replace it', TEST, async () => {
    const first = await userToken(idp.provider, 'alice', gateway.resource);
    tokens.aliceFirst = first;
    let from = upstream.requests.length; // the session's upstream link opens with the exchanged token
    let count = exchanges.length;
    const headers = {};
    const client = await connect(gateway.url, first, headers);
    clients.push(client);
    const sessionId = client.transport.sessionId;
    assert.match(sessionId, /^[0-9a-f]{32}$/);
    Object.assign(renewing, { client, sessionId });
    // What the upstream received since `from`: every request carries the token exchanged for
    // the subject token `subjectJti` (never a client token itself), and each was accepted.
    const assertUpstreamSaw = (from, exchangedJti, subjectJti) => {
      const seen = upstream.requests.slice(from);
      assert.ok(seen.length >= 1, 'the call reached the upstream');
      for (const r of seen) {
        assert.equal(r.status, 200, JSON.stringify(r));
        assert.ok(!r.authorization.includes(first) && !r.authorization.includes(tokens.aliceRenewed),
          'a client token was forwarded upstream');
        assert.equal(claimsOf(r.authorization).jti, exchangedJti);
      }
      assert.equal(exchangedFrom.get(exchangedJti), subjectJti);
    };

    const one = await whoami(client);
    assert.equal(one.sub, 'alice');
    assert.deepEqual(exchanges.slice(count), ['alice'], 'one exchange for the first token');
    assertUpstreamSaw(from, one.jti, jtiOf(first));

    // The renewed token must expire later than the first (exp counts whole seconds): mint it
    // once the first one's second of issue is over.
    const issued = claimsOf(`Bearer ${first}`).iat;
    while (Math.floor(Date.now() / 1000) <= issued) await new Promise((resolve) => setTimeout(resolve, 50));
    const renewed = await userToken(idp.provider, 'alice', gateway.resource);
    tokens.aliceRenewed = renewed;
    assert.notEqual(renewed, first);
    assert.ok(claimsOf(`Bearer ${renewed}`).exp > claimsOf(`Bearer ${first}`).exp, 'the renewed token expires later');

    headers.Authorization = `Bearer ${renewed}`;
    from = upstream.requests.length;
    count = exchanges.length;
    const two = await whoami(client);
    assert.equal(client.transport.sessionId, sessionId, 'the same session');
    assert.equal(two.sub, 'alice');
    assert.deepEqual(two.act, { sub: GATEWAY_CLIENT.client_id });
    assert.notEqual(two.jti, one.jti, 'a token exchanged for the renewed token');
    assert.deepEqual(exchanges.slice(count), ['alice'], 'one exchange for the renewed token');
    assertUpstreamSaw(from, two.jti, jtiOf(renewed));

    // The first token again (still valid): the call is served, with the renewed token's
    // exchange; the older token does not take the newer one's place in the session.
    headers.Authorization = `Bearer ${first}`;
    from = upstream.requests.length;
    count = exchanges.length;
    const three = await whoami(client);
    assert.equal(client.transport.sessionId, sessionId);
    assert.equal(three.sub, 'alice');
    assert.equal(three.jti, two.jti, 'still the renewed token\'s exchange');
    assertUpstreamSaw(from, two.jti, jtiOf(renewed));
    // ... and the renewed token after it finds its own exchange in the cache.
    headers.Authorization = `Bearer ${renewed}`;
    from = upstream.requests.length;
    assert.equal((await whoami(client)).jti, two.jti);
    assertUpstreamSaw(from, two.jti, jtiOf(renewed));
    assert.equal(exchanges.length, count, 'no exchange for either');
  });

  it('refuses another user\'s token in alice\'s session: 404 Session not found, nothing upstream', TEST, async () => {
    const { client, sessionId } = renewing;
    assert.ok(sessionId, 'the session of the previous test');
    const before = await whoami(client);
    assert.equal(before.sub, 'alice');
    const from = upstream.requests.length;
    const count = exchanges.length;
    const res = await rawRequest(gateway.url, {
      headers: mcpHeaders({ sessionId, extra: { Authorization: `Bearer ${tokens.bob}` } }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'remote__whoami', arguments: {} } }),
    });
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Session not found"}}');
    assert.equal(res.headers['mcp-session-id'], undefined);
    assert.deepEqual(upstream.requests.slice(from), [], 'nothing went upstream');
    assert.equal(exchanges.length, count, 'bob\'s token was not exchanged');
    // This setup has no audit trail (the attack suite checks the refusal's audit record): the
    // log says why. The gateway's stderr is read apart from the HTTP answer, so wait for it.
    const line = `session ${sessionId}: request from subject 'bob' refused: the session belongs to 'alice'`;
    for (let i = 0; i < 100 && !gateway.child.output.includes(line); ++i) await new Promise((r) => setTimeout(r, 50));
    assert.ok(gateway.child.output.includes(line), gateway.child.output.slice(-2000));
    // alice's session is untouched: her next call carries her renewed token's exchange.
    const mine = await whoami(client);
    assert.equal(mine.sub, 'alice');
    assert.equal(mine.jti, before.jti);
    for (const r of upstream.requests.slice(from)) assert.equal(claimsOf(r.authorization).jti, before.jti);
    assert.equal(exchanges.length, count);
  });
});
