// A real OpenID Provider (panva's certified oidc-provider) on a free loopback port, for tests/sso.
//
// Input: one JSON argument {client_id, client_secret, redirect_uri, post_logout_redirect_uri,
// accounts: {id: {name, email, groups}}}. Output: one line {"issuer": ...} on stdout once it
// listens. Sign-in uses the provider's own development login and consent forms (any password).
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'tests-sso', use: 'sig', alg: 'RS256' };

function findAccount(ctx, id) {
  const account = config.accounts[id];
  if (!account) return undefined;
  return {
    accountId: id,
    async claims() {
      return { sub: id, name: account.name, email: account.email, groups: account.groups };
    },
  };
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: [config.redirect_uri],
      post_logout_redirect_uris: [config.post_logout_redirect_uri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: {
      openid: ['sub'], profile: ['name'], email: ['email'], groups: ['groups'],
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    findAccount,
    jwks: { keys: [signingKey] },
    cookies: { keys: ['tests-sso-cookie-key'] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
  });
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer }));
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
