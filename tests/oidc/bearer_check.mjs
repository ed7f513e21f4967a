// Signs in at the real provider the way a browser would (authorization code flow with PKCE through
// the provider's login form, driven with fetch and a cookie jar), takes the JWT access token issued
// for the resource `urn:kleinstadt-api`, and checks that kleinstadt accepts it for staff-only GraphQL
// and refuses it with one byte changed, and that an account without a staff role is refused.
//
// Usage: node bearer_check.mjs <issuer> <kleinstadt GraphQL URL>
// Environment: OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI (as given to provider.mjs).

import { createHash, randomBytes } from 'node:crypto';

const [issuer, graphqlUrl] = process.argv.slice(2);
const secret = process.env.OIDC_CLIENT_SECRET;
const redirectUri = process.env.OIDC_REDIRECT_URI;
if (!issuer || !graphqlUrl || !secret || !redirectUri) {
  console.error('usage: node bearer_check.mjs <issuer> <graphql url> (with OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI)');
  process.exit(2);
}
const RESOURCE = 'urn:kleinstadt-api';

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed += 1;
    console.log(`ok - ${name}`);
  } else {
    failed += 1;
    console.log(`not ok - ${name}${detail ? `: ${detail}` : ''}`);
  }
}

/** Follows the provider's redirects by hand, keeping its cookies, until one leaves the provider. */
async function browse(jar, url, init = {}) {
  let next = new URL(url, issuer);
  let request = init;
  for (let hop = 0; hop < 20; hop += 1) {
    if (!next.href.startsWith(issuer)) return { left: next };
    const headers = { ...(request.headers || {}) };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(next, { ...request, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value) jar.set(name, value); else jar.delete(name);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      next = new URL(location, next);
      request = {};
      continue;
    }
    return { url: next, response, html: await response.text() };
  }
  throw new Error('too many redirects');
}

function formAction(html, base) {
  const match = html.match(/<form[^>]*action="([^"]+)"/);
  if (!match) throw new Error(`no form in the page: ${html.slice(0, 300)}`);
  return new URL(match[1].replace(/&amp;/g, '&'), base);
}

function post(fields) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** An access token for `email` through the login form: the code flow with PKCE, state and nonce. */
async function accessTokenFor(email) {
  const jar = new Map();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL('/auth', issuer);
  authorize.search = new URLSearchParams({
    client_id: 'kleinstadt',
    response_type: 'code',
    scope: 'openid email profile roles kleinstadt',
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce: randomBytes(16).toString('base64url'),
    resource: RESOURCE,
  }).toString();
  let page = await browse(jar, authorize);
  for (let step = 0; step < 4 && !page.left; step += 1) {
    const fields = page.html.includes('name="login"')
      ? { prompt: 'login', login: email, password: 'any password' }
      : { prompt: 'consent' };
    page = await browse(jar, formAction(page.html, page.url), post(fields));
  }
  if (!page.left) throw new Error(`the sign-in did not come back: ${page.html?.slice(0, 300)}`);
  const back = page.left.searchParams;
  if (back.get('state') !== state) throw new Error(`state changed: ${page.left}`);
  const code = back.get('code');
  if (!code) throw new Error(`no code: ${page.left}`);
  const response = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`kleinstadt:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      resource: RESOURCE,
    }).toString(),
  });
  const tokens = await response.json();
  if (!response.ok || !tokens.access_token) throw new Error(`token endpoint: ${JSON.stringify(tokens)}`);
  return tokens.access_token;
}

async function graphql(token, query) {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

const ME = '{ me { email name role } }';
const code = (body) => body.errors?.[0]?.extensions?.code;

const editorToken = await accessTokenFor('redaktion@bbsr.example');
const [, payload] = editorToken.split('.');
const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
check('the access token is a JWT for kleinstadt-api', [claims.aud].flat().includes('kleinstadt-api'), JSON.stringify(claims));

const editor = await graphql(editorToken, ME);
check(
  'the provider-issued token is accepted and the staff account provisioned',
  editor.status === 200 && editor.body.data?.me?.email === 'redaktion@bbsr.example' && editor.body.data.me.role === 'EDITOR',
  JSON.stringify(editor.body),
);

const audit = await graphql(editorToken, '{ auditLog(first: 1) { nodes { id } } }');
check('staff-only data is answered', audit.status === 200 && !audit.body.errors, JSON.stringify(audit.body));

// One byte changed in the signature: the middle, so the base64url stays canonical.
const signatureStart = editorToken.lastIndexOf('.') + 1;
const at = signatureStart + Math.floor((editorToken.length - signatureStart) / 2);
const tampered = editorToken.slice(0, at) + (editorToken[at] === 'A' ? 'B' : 'A') + editorToken.slice(at + 1);
const refused = await graphql(tampered, ME);
check('the same token with one byte changed is refused', code(refused.body) === 'UNAUTHENTICATED', JSON.stringify(refused.body));

const admin = await graphql(await accessTokenFor('admin@bbsr.example'), ME);
check('an administrator is mapped from realm_access.roles', admin.body.data?.me?.role === 'ADMIN', JSON.stringify(admin.body));

const guest = await graphql(await accessTokenFor('gast@bbsr.example'), ME);
check('an account without a staff role is forbidden', code(guest.body) === 'FORBIDDEN', JSON.stringify(guest.body));

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
