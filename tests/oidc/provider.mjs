// A real OpenID Connect provider (oidc-provider) for sign-in and bearer-token checks of kleinstadt.
//
// Environment:
//   OIDC_PORT            port on 127.0.0.1 (required); the issuer is http://127.0.0.1:$OIDC_PORT
//   OIDC_CLIENT_SECRET   secret of the confidential client `kleinstadt` (required)
//   OIDC_REDIRECT_URI    its redirect URI (required)
//   OIDC_ID_TOKEN_ALG    RS256 (default) or ES256: how ID tokens are signed
//
// Accounts (any password): redaktion@bbsr.example (kleinstadt-editor), admin@bbsr.example
// (kleinstadt-admin), gast@bbsr.example (no role). Access tokens requested for the resource
// `urn:kleinstadt-api` are JWTs (ES256) with audience `kleinstadt-api` and the account's email, name
// and realm_access.roles. Prints `ready` on stdout once it listens.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const secret = process.env.OIDC_CLIENT_SECRET;
const redirectUri = process.env.OIDC_REDIRECT_URI;
const idTokenAlg = process.env.OIDC_ID_TOKEN_ALG || 'RS256';
if (!port || !secret || !redirectUri) {
  console.error('set OIDC_PORT, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI');
  process.exit(2);
}
if (!['RS256', 'ES256'].includes(idTokenAlg)) {
  console.error('OIDC_ID_TOKEN_ALG is RS256 or ES256');
  process.exit(2);
}

const RESOURCE = 'urn:kleinstadt-api';
const AUDIENCE = 'kleinstadt-api';

const accounts = new Map([
  ['redaktion@bbsr.example', { name: 'Rita Redaktion', roles: ['kleinstadt-editor'] }],
  ['admin@bbsr.example', { name: 'Anton Admin', roles: ['kleinstadt-admin'] }],
  ['gast@bbsr.example', { name: 'Gerda Gast', roles: [] }],
]);

function claimsOf(id) {
  const account = accounts.get(id);
  if (!account) return undefined;
  return {
    sub: id,
    email: id,
    email_verified: true,
    name: account.name,
    realm_access: { roles: account.roles },
  };
}

function privateJwk(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}` };
}

const configuration = {
  clients: [
    {
      client_id: 'kleinstadt',
      client_secret: secret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: idTokenAlg,
    },
  ],
  jwks: {
    keys: [
      privateJwk('rsa', { modulusLength: 2048 }, 'RS256'),
      privateJwk('ec', { namedCurve: 'P-256' }, 'ES256'),
    ],
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'roles'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    roles: ['realm_access'],
  },
  // Like Keycloak: the claims of the granted scopes are in the ID token too, not only at userinfo.
  conformIdTokenClaims: false,
  async findAccount(_ctx, id) {
    const claims = claimsOf(id);
    if (!claims) return undefined;
    return { accountId: id, claims: async () => claims };
  },
  async loadExistingGrant(ctx) {
    // Staff sign in to their own institute's service: consent is implied, as in a Keycloak realm
    // whose client does not ask for it.
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile roles');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'realm_access']);
    grant.addResourceScope(RESOURCE, 'kleinstadt');
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => undefined,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        if (resourceIndicator !== RESOURCE) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'kleinstadt',
          audience: AUDIENCE,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
    const claims = claimsOf(token.accountId);
    if (!claims) return undefined;
    return { email: claims.email, name: claims.name, realm_access: claims.realm_access };
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 3600, IdToken: 3600 },
};

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
provider.on('server_error', (_ctx, error) => console.error('provider error:', error));
const server = provider.listen(port, '127.0.0.1', () => {
  console.log('ready');
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
