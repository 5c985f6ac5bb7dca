// ctest auth_oidc_provider_e2e: starts oidc-provider on loopback, gets a JWT access token by
// client credentials, and runs the C++ check program (argv[2]) which verifies it through
// discovery + JWKS with the real Authenticator. Bounded: 45 s.
import { spawn } from 'node:child_process';
import { freePort } from './free_port.mjs';
import { startIdp, clientCredentialsToken, CLIENT_ID } from './idp.mjs';

const checker = process.argv[2];
const resource = 'http://127.0.0.1:8080/mcp';
const timer = setTimeout(() => { console.error('timed out'); process.exit(1); }, 45000);

const { issuer, server } = await startIdp(await freePort(), resource);
console.log(`IdP at ${issuer}`);
const token = await clientCredentialsToken(issuer, resource);
const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
console.log('token claims:', JSON.stringify(payload));

const child = spawn(checker, [], {
  stdio: 'inherit',
  env: { ...process.env, MCPGW_IDP_ISSUER: issuer, MCPGW_IDP_TOKEN: token, MCPGW_RESOURCE: resource,
         MCPGW_EXPECT_SUB: CLIENT_ID },
});
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
server.close();
clearTimeout(timer);
console.log(code === 0 ? 'PASS' : `FAIL (checker exit ${code})`);
process.exit(code);
