#!/usr/bin/env node
// The GraphQL-over-HTTP audits of graphql-http (by the maintainers of the GraphQL over HTTP spec)
// against one GraphQL endpoint. Prints one line per audit and a summary; exits 1 unless every audit
// is `ok` (a warning or a notice counts as a failure here) or when the number of audits is not the
// one this suite was written for.
//
//   node audit.mjs http://127.0.0.1:8080/graphql
//
// `graphql-http` is resolved from the node_modules beside this file: run.sh copies the file into
// the folder it installs the pinned packages into (package.json, package-lock.json).
import { serverAudits } from 'graphql-http';

// graphql-http 1.23.1 has 61 server audits (1.22.x had 60); another count means another version or a changed
// suite, whose results must be looked at again before they are trusted.
const EXPECTED_AUDITS = 61;
// Longest time one audit may take (its requests included), in milliseconds.
const AUDIT_TIMEOUT_MS = 30_000;

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

function oneLine(text, max) {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// status, content type and the start of the body of a failing audit's response
async function describeResponse(response) {
  if (!response || typeof response.status !== 'number') {
    return '';
  }
  let body;
  try {
    body = await response.clone().text();
  } catch {
    try {
      body = await response.text();
    } catch {
      body = '<body already read>';
    }
  }
  const type = response.headers?.get?.('content-type') ?? '-';
  return `HTTP ${response.status}, content-type ${type}, body: ${oneLine(body, 300)}`;
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const audits = serverAudits({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
console.log(`graphql-http audits against ${url}`);
// One after the other: every line belongs to one audit, and the server sees no burst.
for (const audit of audits) {
  let result;
  try {
    result = await withTimeout(audit.fn(), AUDIT_TIMEOUT_MS);
  } catch (error) {
    // An audit throws only on a fatal problem (no connection, no answer): an error.
    result = { id: audit.id, name: audit.name, status: 'error', reason: `audit threw: ${error?.message ?? error}` };
  }
  const status = result.status in counts ? result.status : 'error';
  counts[status] += 1;
  let line = `${status.padEnd(6)} ${result.id} ${result.name}`;
  if (status !== 'ok') {
    line += `\n         reason: ${oneLine(result.reason, 400)}`;
    const response = await describeResponse(result.response);
    if (response) {
      line += `\n         response: ${response}`;
    }
  }
  console.log(line);
}

const total = audits.length;
let summary = `${counts.ok} of ${total} passing, ${counts.warn} warnings, ${counts.error} errors`;
if (counts.notice) {
  summary += `, ${counts.notice} notices`;
}
console.log(`\n${summary}`);
let failed = counts.ok !== total;
if (total !== EXPECTED_AUDITS) {
  console.log(
    `FAIL: graphql-http ran ${total} audits, this suite expects ${EXPECTED_AUDITS}: ` +
      'the pinned version or the audit list changed; check the results and update EXPECTED_AUDITS',
  );
  failed = true;
}
if (failed && counts.ok !== total) {
  console.log('FAIL: every audit must be ok (warnings and notices count as failures)');
}
process.exit(failed ? 1 : 0);
