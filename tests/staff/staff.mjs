// The staff interface under /admin in headless Chromium (playwright-core driving Debian's chromium).
// Usage: node staff.mjs <base URL>; run by tests/staff/run.sh, which starts the server and passes
// EDITOR_PASSWORD, ADMIN_PASSWORD, ARTIFACTS (the screenshot directory), CHROMIUM and OIDC_ISSUER.
//
// 1. An editing day by keyboard alone: sign in with the local account, create a draft event, add
//    three sessions with a speaker each in the programme editor, sign out and in again through the
//    OpenID Connect provider (OIDC_ISSUER), publish, check GraphQL, REST, iCalendar and the embed
//    page from outside the browser, move a session and see its iCalendar SEQUENCE rise.
// 2. An edit conflict between an editor and an administrator: 409, the three columns, a merged
//    save that keeps both changes.
// 3. axe-core (WCAG 2.1 A and AA) on every page type of the interface.
// 4. Access: anonymous, forged and signed-out cookies, an editor on administrator pages, a wrong
//    CSRF token.
// Each check prints one line; the exit status is 1 when any failed.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const base = (process.argv[2] || '').replace(/\/$/, '');
if (!base) {
  console.error('usage: node staff.mjs <base URL>');
  process.exit(2);
}
const EDITOR = { email: 'redaktion@bbsr.example', password: process.env.EDITOR_PASSWORD, name: 'Rita Redaktion' };
const ADMIN = { email: 'admin@bbsr.example', password: process.env.ADMIN_PASSWORD, name: 'Anton Admin' };
const ARTIFACTS = process.env.ARTIFACTS || 'target/test-artifacts';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SLUGS = ['veranstaltungen', 'programmpunkte', 'beitraege', 'personen', 'organisationen', 'orte',
  'modellvorhaben', 'aufrufe', 'beirat', 'dokumente'];
const run = `rt${Date.now().toString(36)}`;

// ---------------------------------------------------------------------------------------------
// A small runner: every check prints a line; failures are counted, later checks still run.

let failures = 0;
let passed = 0;
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
    return true;
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name}\n     ${String(error && error.stack || error).split('\n').join('\n     ')}`);
    return false;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Browser helpers.

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});

async function newContext() {
  return browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
}

async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `staff-${name}.png`), fullPage: true });
}

async function h1(page) {
  return (await page.locator('h1').first().innerText()).trim();
}

/** Signs in with the local account through the form (mouse and keyboard alike). */
async function signIn(page, account) {
  await page.goto('/admin/anmelden');
  await page.locator('#feld-email').fill(account.email);
  await page.locator('#feld-password').fill(account.password);
  await Promise.all([page.waitForURL((url) => url.pathname === '/admin'), page.getByRole('button', { name: 'Anmelden' }).click()]);
  equal(await h1(page), 'Redaktion', 'heading after signing in');
}

/** What has the keyboard focus: enough to recognise a control. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return {
      tag: el.tagName,
      id: el.id,
      text: (el.innerText || '').replace(/\s+/g, ' ').trim(),
      label: el.getAttribute('aria-label') || '',
      name: el.getAttribute('name') || '',
    };
  });
}

function describe(want) {
  return JSON.stringify(want);
}

function fits(el, want) {
  if (!el) return false;
  if (want.id !== undefined && el.id !== want.id) return false;
  if (want.tag !== undefined && el.tag !== want.tag) return false;
  if (want.text !== undefined && el.text !== want.text) return false;
  if (want.textStarts !== undefined && !el.text.startsWith(want.textStarts)) return false;
  if (want.label !== undefined && el.label !== want.label) return false;
  if (want.name !== undefined && el.name !== want.name) return false;
  return true;
}

/** Presses Tab until the focus is on the control described by `want` (the page's own tab order). */
async function tabTo(page, want, max = 400) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (fits(await focused(page), want)) return;
  }
  throw new Error(`Tab never reached ${describe(want)} in ${max} presses on ${page.url()}`);
}

/** Presses a key that leaves the page and waits for the next one to load. */
async function pressAndLoad(page, key = 'Enter') {
  const response = page.waitForNavigation();
  await page.keyboard.press(key);
  return response;
}

/** Types into the focused text field, replacing what it held. */
async function typeText(page, text) {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

/**
 * Types a local date and time (`2027-05-04T09:30`) into the focused `datetime-local` field, one
 * segment after the other in the order the browser's locale shows them (`05/04/2027, 09:30 AM` in
 * en-US, `04.05.2027, 09:30` in de-DE). Two-digit segments move on by themselves; the year takes
 * up to six digits and so needs an arrow key.
 */
async function typeDateTime(page, id, value) {
  const { order, h12 } = await page.evaluate(() => {
    const format = new Intl.DateTimeFormat(undefined, {
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
    const cycle = format.resolvedOptions().hourCycle;
    return {
      order: format.formatToParts(new Date(2027, 4, 4, 9, 30)).map((p) => p.type).filter((t) => t !== 'literal'),
      h12: cycle === 'h12' || cycle === 'h11',
    };
  });
  const [, year, month, day, hour, minute] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  const hours = Number(hour);
  const segments = {
    year, month, day, minute,
    hour: h12 ? String(hours % 12 === 0 ? 12 : hours % 12).padStart(2, '0') : hour,
    dayPeriod: hours < 12 ? 'A' : 'P',
  };
  for (const [index, part] of order.entries()) {
    await page.keyboard.type(segments[part]);
    if (part === 'year' && index < order.length - 1) await page.keyboard.press('ArrowRight');
  }
  const stored = await page.evaluate((fieldId) => document.getElementById(fieldId).value, id);
  equal(stored, value, `value of #${id} after typing`);
}

/** Chooses an option of the focused select by typing the start of its label (type-ahead). */
async function typeChoice(page, id, prefix, expectedValue) {
  await page.keyboard.type(prefix);
  const chosen = await page.evaluate((fieldId) => document.getElementById(fieldId).value, id);
  equal(chosen, expectedValue, `choice in #${id} after typing ${JSON.stringify(prefix)}`);
}

async function pathOf(page) {
  return new URL(page.url()).pathname;
}

// ---------------------------------------------------------------------------------------------
// Outside the browser: the public outputs.

async function graphql(query, variables = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert(response.ok && !body.errors, `GraphQL answered ${response.status}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function text(path) {
  const response = await fetch(`${base}${path}`);
  assert(response.ok, `GET ${path} answered ${response.status}`);
  return response.text();
}

/** The VEVENTs of an iCalendar text, unfolded, each as a map of its properties. */
function vevents(ics) {
  const lines = ics.replace(/\r\n[ \t]/g, '').split(/\r\n/);
  const events = [];
  let current = null;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') current = {};
    else if (line === 'END:VEVENT') { events.push(current); current = null; } else if (current) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).split(';')[0];
      current[name] = line.slice(colon + 1);
      if (line.slice(0, colon).includes(';')) current[`${name}_PARAMS`] = line.slice(0, colon);
    }
  }
  return events;
}

async function sessionSequence(globalId, sessionId) {
  const ics = await text(`/api/v1/events/${globalId}.ics`);
  const vevent = vevents(ics).find((e) => e.UID === `session-${sessionId}@kleinstadt`);
  assert(vevent, `no VEVENT session-${sessionId}@kleinstadt in the calendar`);
  return { sequence: Number(vevent.SEQUENCE), start: vevent.DTSTART, vevent };
}

// ---------------------------------------------------------------------------------------------
// 1. An editing day by keyboard alone.
//
// Nothing in this flow clicks or moves the mouse: every control is reached with Tab from the
// page's start (or from where the previous page left the focus), filled by typing, and used with
// Enter; addresses are opened only to begin (the sign-in page). Signing in through the
// institute's identity provider is not part of this run: no provider is configured here.

const day = {
  title: `Redaktionstag ${run}`,
  eventId: null,
  globalId: null,
  sessions: [
    { title: `Begrüßung und Einführung ${run}`, start: '2027-05-04T09:30', end: '2027-05-04T10:30' },
    { title: `Werkstatt Innenstadt ${run}`, start: '2027-05-04T11:00', end: '2027-05-04T12:30' },
    { title: `Podium Zukunft ${run}`, start: '2027-05-04T14:00', end: '2027-05-04T15:30' },
  ],
};

async function editingDay() {
  const context = await newContext();
  const page = await context.newPage();
  try {
    await check('keyboard: sign in as the editor with the local account', async () => {
      await page.goto('/admin/anmelden');
      await tabTo(page, { id: 'feld-email' });
      await page.keyboard.type(EDITOR.email);
      await tabTo(page, { id: 'feld-password' });
      await page.keyboard.type(EDITOR.password);
      await tabTo(page, { tag: 'BUTTON', text: 'Anmelden' });
      await pressAndLoad(page);
      equal(await pathOf(page), '/admin', 'page after signing in');
      equal(await h1(page), 'Redaktion', 'start page heading');
      assert((await page.locator('.konto').innerText()).includes(EDITOR.name), 'the header names the account');
    });

    const created = await check('keyboard: create the event as a draft (04.05.2027, 09:00–17:00 Europe/Berlin)', async () => {
      // The skip link comes first and leads into the main content.
      await page.keyboard.press('Tab');
      equal((await focused(page)).text, 'Zum Inhalt springen', 'first stop of the tab order');
      await tabTo(page, { tag: 'A', text: 'Veranstaltungen' });
      await pressAndLoad(page);
      equal(await h1(page), 'Veranstaltungen', 'list heading');
      await tabTo(page, { tag: 'A', text: 'Veranstaltung anlegen' });
      await pressAndLoad(page);
      equal(await h1(page), 'Veranstaltung anlegen', 'form heading');
      await tabTo(page, { id: 'feld-title' });
      await typeText(page, day.title);
      await tabTo(page, { id: 'feld-startsAt' });
      await typeDateTime(page, 'feld-startsAt', '2027-05-04T09:00');
      await tabTo(page, { id: 'feld-endsAt' });
      await typeDateTime(page, 'feld-endsAt', '2027-05-04T17:00');
      await tabTo(page, { id: 'feld-place' });
      await typeText(page, 'Rathaus, Großer Saal');
      await tabTo(page, { tag: 'BUTTON', text: 'Speichern' });
      const response = await pressAndLoad(page);
      equal(response.status(), 200, 'status after saving');
      const match = /^\/admin\/veranstaltungen\/(\d+)$/.exec(await pathOf(page));
      assert(match, `expected the event's page, got ${page.url()}`);
      day.eventId = Number(match[1]);
      equal(await h1(page), day.title, 'event page heading');
      assert((await page.locator('[role=status]').first().innerText()).includes('angelegt'), 'a message says the event was created');
      assert(await page.getByRole('button', { name: 'Veröffentlichen' }).isVisible(), 'a new event is a draft');
      const start = await page.locator('dl.werte dt:text-is("Beginn") + dd').innerText();
      equal(start.trim(), '2027-05-04 09:00 (Europe/Berlin)', 'stored start');
    });
    if (!created) return;

    await check('keyboard: add three sessions at 09:30, 11:00 and 14:00 in the programme editor', async () => {
      await tabTo(page, { tag: 'A', text: 'Programm bearbeiten' });
      await pressAndLoad(page);
      equal(await h1(page), `Programm: ${day.title}`, 'programme editor heading');
      for (const session of day.sessions) {
        await tabTo(page, { id: 'feld-title' });
        await typeText(page, session.title);
        await tabTo(page, { id: 'feld-startsAt' });
        await typeDateTime(page, 'feld-startsAt', session.start);
        await tabTo(page, { id: 'feld-endsAt' });
        await typeDateTime(page, 'feld-endsAt', session.end);
        await tabTo(page, { tag: 'BUTTON', text: 'Programmpunkt anlegen' });
        const response = await pressAndLoad(page);
        equal(response.status(), 200, `status after adding ${session.title}`);
        const hash = new URL(page.url()).hash;
        assert(/^#punkt-\d+$/.test(hash), `the editor returns to the new session, got ${page.url()}`);
        session.id = Number(hash.slice('#punkt-'.length));
      }
      const headings = await page.locator('ol.programm h3').allInnerTexts();
      equal(headings.length, 3, 'sessions in the editor');
      const expected = ['09:30–10:30', '11:00–12:30', '14:00–15:30'];
      headings.forEach((heading, i) => {
        assert(heading.startsWith(expected[i]) && heading.includes(day.sessions[i].title),
          `session ${i + 1} in time order: ${heading}`);
      });
    });

    await check('keyboard: add a speaker (a person of the demo data, role „Vortrag“) to each session', async () => {
      for (const [index, session] of day.sessions.entries()) {
        assert(session.id, `session ${index + 1} was not created`);
        const selectId = `feld-p${session.id}-person`;
        // The label of each person and the shortest prefix that type-ahead lands on.
        const people = await page.evaluate((sid) => [...document.getElementById(sid).options]
          .filter((o) => o.value)
          .map((o) => ({ value: o.value, label: o.label })), selectId);
        const candidates = people.filter((p) => {
          const prefix = p.label.split(' ')[0].toLowerCase();
          const first = people.find((q) => q.label.toLowerCase().startsWith(prefix));
          return prefix.length >= 3 && first && first.value === p.value;
        });
        assert(candidates.length >= 3, 'the demo data has people to choose');
        const person = candidates[index];
        session.person = person.label;
        await tabTo(page, { tag: 'SUMMARY', text: `Mitwirkende hinzufügen zu „${session.title}“` });
        await page.keyboard.press('Enter');
        assert(await page.locator(`#punkt-${session.id} details`).evaluate((d) => d.open), 'Enter opens the details');
        await tabTo(page, { id: selectId });
        await typeChoice(page, selectId, person.label.split(' ')[0], person.value);
        await tabTo(page, { id: `feld-p${session.id}-role` });
        const roleValue = await page.evaluate((sid) => [...document.getElementById(sid).options]
          .find((o) => o.label === 'Vortrag').value, `feld-p${session.id}-role`);
        await typeChoice(page, `feld-p${session.id}-role`, 'Vortrag', roleValue);
        await tabTo(page, { tag: 'BUTTON', text: 'Hinzufügen' });
        const response = await pressAndLoad(page);
        equal(response.status(), 200, 'status after adding the speaker');
        const item = await page.locator(`#punkt-${session.id}`).innerText();
        assert(item.includes(`${person.label} – Vortrag`), `the session lists its speaker: ${item}`);
      }
      await screenshot(page, 'programme');
    });

    await check("keyboard: sign out, and sign in again through the institute's OpenID Connect provider", async () => {
      await tabTo(page, { tag: 'BUTTON', text: 'Abmelden' });
      await pressAndLoad(page);
      equal(await pathOf(page), '/admin/anmelden', 'page after signing out');
      await tabTo(page, { tag: 'A', text: 'Mit dem Konto des Instituts anmelden' });
      await pressAndLoad(page);
      equal(new URL(page.url()).origin, process.env.OIDC_ISSUER, "the provider's login page");
      await tabTo(page, { name: 'login' });
      await page.keyboard.type(EDITOR.email);
      await tabTo(page, { name: 'password' });
      await page.keyboard.type('any password: the test provider checks none');
      await tabTo(page, { tag: 'BUTTON' });
      await pressAndLoad(page);
      if (new URL(page.url()).origin === process.env.OIDC_ISSUER) {
        // A consent page, when the provider shows one.
        await tabTo(page, { tag: 'BUTTON' });
        await pressAndLoad(page);
      }
      equal(await pathOf(page), '/admin', 'back on the start page');
      equal(await h1(page), 'Redaktion', 'start page heading');
      assert((await page.locator('.konto').innerText()).includes('Redaktion'), 'signed in as an editor');
    });

    await check('keyboard: publish the event', async () => {
      await page.keyboard.press('Tab');
      await tabTo(page, { tag: 'A', text: day.title });
      await pressAndLoad(page);
      equal(await h1(page), day.title, 'event page heading');
      await tabTo(page, { tag: 'BUTTON', text: 'Veröffentlichen' });
      await pressAndLoad(page);
      assert((await page.locator('[role=status]').first().innerText()).includes('veröffentlicht'), 'a message says it is published');
      assert(await page.getByRole('button', { name: 'Zurückziehen (wieder Entwurf)' }).isVisible(), 'the event can be withdrawn');
    });

    await check('outside the browser: GraphQL, REST, iCalendar and embed show the event with its three sessions', async () => {
      const data = await graphql('query($text: String!) { events(filter: { text: $text }) { nodes { id title sessions { nodes { title } } } } }', { text: run });
      const event = data.events.nodes.find((e) => e.title === day.title);
      assert(event, `GraphQL finds the event: ${JSON.stringify(data)}`);
      day.globalId = event.id;
      const titles = event.sessions.nodes.map((s) => s.title);
      equal(JSON.stringify(titles), JSON.stringify(day.sessions.map((s) => s.title)), 'GraphQL sessions');

      const list = JSON.parse(await text(`/api/v1/events?q=${encodeURIComponent(run)}`));
      assert(list.items.some((e) => e.id === day.globalId && e.title === day.title), 'REST lists the event');
      const one = JSON.parse(await text(`/api/v1/events/${day.globalId}`));
      equal(one.title, day.title, 'REST event title');
      const sessions = JSON.parse(await text(`/api/v1/events/${day.globalId}/sessions`));
      equal(JSON.stringify(sessions.items.map((s) => s.title)), JSON.stringify(day.sessions.map((s) => s.title)), 'REST sessions');

      const ics = vevents(await text(`/api/v1/events/${day.globalId}.ics`));
      equal(ics.length, 4, 'VEVENTs (the event and three sessions)');
      for (const session of day.sessions) {
        const vevent = ics.find((e) => e.UID === `session-${session.id}@kleinstadt`);
        assert(vevent && vevent.SUMMARY.includes(session.title), `iCalendar has ${session.title}`);
      }

      const embed = await text(`/embed/events/${day.globalId}`);
      for (const session of day.sessions) {
        assert(embed.includes(session.title), `the embed page shows ${session.title}`);
        assert(embed.includes(session.person.replace(/&/g, '&amp;')), `the embed page shows ${session.person}`);
      }
    });

    await check('keyboard: move the second session to 11:15; its iCalendar SEQUENCE rises', async () => {
      assert(day.globalId, 'the event was not found in the public outputs');
      const session = day.sessions[1];
      const before = await sessionSequence(day.globalId, session.id);
      await tabTo(page, { tag: 'A', text: 'Programm bearbeiten' });
      await pressAndLoad(page);
      await tabTo(page, { tag: 'A', label: `${session.title} bearbeiten` });
      await pressAndLoad(page);
      equal(await h1(page), `Programmpunkt bearbeiten: ${session.title}`, 'edit form heading');
      await tabTo(page, { id: 'feld-startsAt' });
      await typeDateTime(page, 'feld-startsAt', '2027-05-04T11:15');
      await tabTo(page, { tag: 'BUTTON', text: 'Speichern' });
      await pressAndLoad(page);
      equal(await pathOf(page), `/admin/programmpunkte/${session.id}`, 'page after saving');
      assert((await page.locator('[role=status]').first().innerText()).includes('gespeichert'), 'a message says it was saved');
      let after = before;
      for (let i = 0; i < 50 && after.sequence <= before.sequence; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await sessionSequence(day.globalId, session.id);
      }
      assert(after.sequence > before.sequence, `SEQUENCE rose: was ${before.sequence}, now ${after.sequence}`);
      assert(after.start.endsWith('20270504T111500'), `DTSTART is the new local time: ${after.start}`);
      console.log(`     SEQUENCE of session-${session.id}: ${before.sequence} → ${after.sequence}`);
    });
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. A conflict between two signed-in staff members.

async function anySessionId() {
  if (day.sessions[2].id) return day.sessions[2].id;
  const context = await newContext();
  const page = await context.newPage();
  await signIn(page, EDITOR);
  await page.goto('/admin/programmpunkte');
  const href = await page.locator('table tbody a[href^="/admin/programmpunkte/"]').first().getAttribute('href');
  await context.close();
  return Number(href.split('/').pop());
}

async function conflict() {
  const editorContext = await newContext();
  const adminContext = await newContext();
  try {
    await check('conflict: a second save over a changed record gets 409 and a merge keeps both changes', async () => {
      const id = await anySessionId();
      const editor = await editorContext.newPage();
      const admin = await adminContext.newPage();
      await signIn(editor, EDITOR);
      await signIn(admin, ADMIN);
      const form = `/admin/programmpunkte/${id}/bearbeiten`;
      await editor.goto(form);
      await admin.goto(form);
      const original = await editor.locator('#feld-title').inputValue();
      const originalSubtitle = await admin.locator('#feld-subtitle').inputValue();
      const newTitle = `${original} (neuer Titel)`;
      const newSubtitle = `Untertitel ${run}`;

      await editor.locator('#feld-title').fill(newTitle);
      const [first] = await Promise.all([editor.waitForNavigation(), editor.getByRole('button', { name: 'Speichern' }).click()]);
      equal(first.status(), 200, 'the first save');
      equal(await pathOf(editor), `/admin/programmpunkte/${id}`, 'page after the first save');

      await admin.locator('#feld-subtitle').fill(newSubtitle);
      const [second] = await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Speichern' }).click()]);
      equal(second.status(), 409, 'status of the second save');
      equal(await h1(admin), `Konflikt: ${newTitle}`, 'conflict page heading');
      const table = admin.locator('table.vergleich');
      equal((await table.locator('caption').innerText()).trim(), 'Vergleich der Werte', 'table caption');
      const headers = (await table.locator('thead th').allInnerTexts()).map((t) => t.trim());
      equal(JSON.stringify(headers), JSON.stringify(['Feld', 'Ihre Eingabe', 'Jetzt gespeichert', 'Beim Öffnen']), 'columns');
      const row = async (label) => (await table.locator(`tbody tr:has(th:text-is("${label}")) td`).allInnerTexts()).map((t) => t.trim());
      const none = 'keine Angabe';
      equal(JSON.stringify(await row('Titel')), JSON.stringify([original, newTitle, original]), 'the title row');
      equal(JSON.stringify(await row('Untertitel')),
        JSON.stringify([newSubtitle, originalSubtitle || none, originalSubtitle || none]), 'the subtitle row');
      await screenshot(admin, 'conflict');
      await axe(admin, 'conflict page');

      // Keep both: the submitted subtitle is in the form; take the title saved meanwhile.
      equal(await admin.locator('#feld-subtitle').inputValue(), newSubtitle, 'the form keeps the submitted subtitle');
      await admin.locator('#feld-title').fill(newTitle);
      const [merged] = await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Zusammengeführt speichern' }).click()]);
      equal(merged.status(), 200, 'status of the merged save');
      equal(await pathOf(admin), `/admin/programmpunkte/${id}`, 'page after the merged save');
      const value = async (label) => (await admin.locator(`dl.werte dt:text-is("${label}") + dd`).innerText()).trim();
      equal(await value('Titel'), newTitle, 'stored title');
      equal(await value('Untertitel'), newSubtitle, 'stored subtitle');
      if (day.globalId && id === day.sessions[2].id) {
        const data = await graphql('query($text: String!) { events(filter: { text: $text }) { nodes { title sessions { nodes { title subtitle } } } } }', { text: run });
        const session = data.events.nodes[0].sessions.nodes.find((s) => s.title === newTitle);
        assert(session && session.subtitle === newSubtitle, `GraphQL shows both changes: ${JSON.stringify(data)}`);
      }
    });
  } finally {
    await editorContext.close();
    await adminContext.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. axe-core on every page type.

async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    // Evaluated through the DevTools protocol: the pages' Content-Security-Policy stays in force.
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    if (!result.passes.length) return [{ id: 'no-rules', impact: 'none', help: 'axe checked no rule', helpUrl: '', nodes: [] }];
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  if (violations.length) {
    const lines = violations.flatMap((v) => [
      `${v.id} (${v.impact}): ${v.help} – ${v.helpUrl}`,
      ...v.nodes.slice(0, 5).map((n) => `    at ${n.target}: ${(n.summary || '').replace(/\s+/g, ' ')}`),
    ]);
    throw new Error(`axe on ${name} (${page.url()}):\n${lines.join('\n')}`);
  }
}

async function axePages() {
  const anonymous = await newContext();
  const context = await newContext();
  try {
    const page = await anonymous.newPage();
    await check('axe: the harness reports a known violation (an image without text alternative)', async () => {
      await page.setContent('<!DOCTYPE html><html lang="de"><title>Probe</title><main><img src="data:,"></main></html>');
      let report = '';
      try {
        await axe(page, 'probe');
      } catch (error) {
        report = String(error.message);
      }
      assert(report.includes('image-alt'), `axe reports image-alt: ${report || 'nothing'}`);
    });
    await check('axe: sign-in page', async () => {
      await page.goto('/admin/anmelden');
      const label = async (id) => (await page.locator(`label[for=${id}]`).innerText()).trim();
      equal(await label('feld-email'), 'E-Mail-Adresse (Pflichtfeld)', 'label of the address');
      equal(await label('feld-password'), 'Passwort (Pflichtfeld)', 'label of the password');
      await axe(page, 'sign-in page');
    });
    await check('axe: sign-in page with errors', async () => {
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.waitForLoadState();
      assert(await page.locator('[role=alert]').isVisible(), 'errors are shown');
      await axe(page, 'sign-in page with errors');
    });

    const admin = await context.newPage();
    await signIn(admin, ADMIN);
    await check('axe: start page', async () => {
      await admin.goto('/admin');
      await axe(admin, 'start page');
    });
    const details = {};
    for (const slug of SLUGS) {
      await check(`axe: list ${slug} with a search`, async () => {
        await admin.goto(`/admin/${slug}`);
        const link = admin.locator(`table tbody a[href^="/admin/${slug}/"]`).first();
        details[slug] = await link.getAttribute('href');
        const word = (await link.innerText()).split(/[\s,.()–„“"-]+/).find((w) => w.length >= 4) || 'Stadt';
        await admin.locator('#feld-q').fill(word);
        await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Suchen' }).click()]);
        assert(new URL(admin.url()).searchParams.get('q') === word, 'the search is in the address');
        if (slug === 'veranstaltungen') await screenshot(admin, 'list');
        await axe(admin, `list ${slug}`);
      });
      await check(`axe: detail ${slug}`, async () => {
        assert(details[slug], 'no record to open');
        const response = await admin.goto(details[slug]);
        equal(response.status(), 200, 'status');
        await axe(admin, `detail ${slug}`);
      });
      await check(`axe: create form ${slug}`, async () => {
        const response = await admin.goto(`/admin/${slug}/neu`);
        equal(response.status(), 200, 'status');
        await axe(admin, `create form ${slug}`);
      });
    }

    const eventId = day.eventId || Number(details.veranstaltungen.split('/').pop());
    const event = `/admin/veranstaltungen/${eventId}`;
    await check('axe: edit form', async () => {
      await admin.goto(`${event}/bearbeiten`);
      await axe(admin, 'edit form');
    });
    await check('axe: edit form with errors (empty title), values kept', async () => {
      await admin.goto(`${event}/bearbeiten`);
      const place = await admin.locator('#feld-place').inputValue();
      await admin.locator('#feld-title').fill('');
      await admin.locator('#feld-subtitle').fill(`Bleibt stehen ${run}`);
      const [response] = await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Speichern' }).click()]);
      equal(response.status(), 422, 'status');
      const summary = admin.locator('[role=alert]');
      assert((await summary.locator('h2').innerText()).startsWith('Bitte korrigieren Sie'), 'the summary heading');
      equal(await summary.locator('a').first().getAttribute('href'), '#feld-title', 'the summary links to the field');
      assert(await admin.locator('#feld-title-fehler').isVisible(), 'the error stands at its field');
      equal(await admin.locator('#feld-title').getAttribute('aria-invalid'), 'true', 'the field is marked invalid');
      equal(await admin.locator('#feld-subtitle').inputValue(), `Bleibt stehen ${run}`, 'the subtitle is kept');
      equal(await admin.locator('#feld-place').inputValue(), place, 'the place is kept');
      await screenshot(admin, 'form-errors');
      await axe(admin, 'edit form with errors');
    });
    await check('axe: programme editor', async () => {
      await admin.goto(`${event}/programm`);
      await axe(admin, 'programme editor');
      // The contributor forms too, as a keyboard user opens them.
      await admin.locator('ol.programm details').evaluateAll((all) => all.forEach((d) => { d.open = true; }));
      await axe(admin, 'programme editor with its contributor forms open');
    });
    await check('axe: history', async () => {
      await admin.goto(`${event}/verlauf`);
      assert((await admin.locator('ol.verlauf > li').count()) >= 2, 'the history has entries');
      await screenshot(admin, 'history');
      await axe(admin, 'history');
    });
    await check('axe: restore form', async () => {
      await admin.goto(`${event}/verlauf`);
      const restore = admin.getByRole('link', { name: 'Diesen Stand wiederherstellen' }).first();
      await Promise.all([admin.waitForNavigation(), restore.click()]);
      assert((await h1(admin)).startsWith('Stand wiederherstellen'), 'restore form heading');
      await axe(admin, 'restore form');
    });
    await check('axe: delete confirmation', async () => {
      await admin.goto(`${event}/loeschen`);
      assert(await admin.getByRole('button', { name: 'Endgültig löschen' }).isVisible(), 'the confirmation button');
      await axe(admin, 'delete confirmation');
    });
    await check('axe: preview of the public programme', async () => {
      const response = await admin.goto(`${event}/vorschau`);
      equal(response.status(), 200, 'status');
      await axe(admin, 'preview');
    });
    const person = details.personen;
    await check('axe: person page as administrator', async () => {
      await admin.goto(person);
      assert(await admin.getByRole('link', { name: 'Personendaten löschen …' }).isVisible(), 'the erasure link');
      assert(await admin.getByRole('button', { name: 'Alle Daten exportieren (JSON)' }).isVisible(), 'the export');
      assert(await admin.getByRole('textbox', { name: /^Datum der Einwilligung/ }).isVisible(), 'the consent date');
      assert(await admin.getByRole('textbox', { name: /^Vermerk/ }).isVisible(), 'the consent note');
      await axe(admin, 'person page');
    });
    await check('axe: consent form with errors', async () => {
      await admin.goto(person);
      await admin.locator('#feld-givenOn').fill('');
      const [response] = await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Einwilligung speichern' }).click()]);
      equal(response.status(), 422, 'status');
      await axe(admin, 'consent form with errors');
    });
    await check('axe: erasure confirmation', async () => {
      await admin.goto(`${person}/dsgvo-loeschung`);
      assert(await admin.getByRole('button', { name: 'Personendaten endgültig löschen' }).isVisible(), 'the button');
      await axe(admin, 'erasure confirmation');
    });
    await check('axe: staff accounts', async () => {
      const response = await admin.goto('/admin/konten');
      equal(response.status(), 200, 'status');
      assert(await admin.getByRole('button', { name: 'Konto anlegen' }).isVisible(), 'the create button');
      await axe(admin, 'staff accounts');
    });
    await check('axe: account form with errors', async () => {
      await admin.goto('/admin/konten');
      await admin.locator('#feld-email').fill('kein-adresse');
      const [response] = await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Konto anlegen' }).click()]);
      equal(response.status(), 422, 'status');
      await axe(admin, 'account form with errors');
    });
    await check('axe: password change with errors', async () => {
      await admin.goto('/admin/passwort');
      await axe(admin, 'password change');
      await admin.locator('#feld-current').fill('falsch falsch falsch');
      await admin.locator('#feld-new').fill('ein neues langes Passwort');
      await admin.locator('#feld-repeat').fill('ein anderes langes Passwort');
      const [response] = await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Passwort ändern' }).click()]);
      equal(response.status(), 422, 'status');
      await axe(admin, 'password change with errors');
    });
    await check('axe: error page (not found)', async () => {
      const response = await admin.goto('/admin/veranstaltungen/987654321');
      equal(response.status(), 404, 'status');
      await axe(admin, 'error page');
    });
  } finally {
    await anonymous.close();
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Access.

function isSignInPage(html) {
  return html.includes('<h1>Anmelden</h1>') && html.includes('action="/admin/anmelden"');
}

async function access() {
  // The event of the editing day (or a demo event) and a demo person.
  const event = `/admin/veranstaltungen/${day.eventId || 18}`;
  const probes = ['/admin', '/admin/veranstaltungen', event, `${event}/bearbeiten`, `${event}/programm`,
    `${event}/verlauf`, `${event}/vorschau`, '/admin/personen', '/admin/personen/1',
    '/admin/personen/1/dsgvo-loeschung', '/admin/beitraege/neu'];
  await check('access: anonymous requests for /admin pages end at the sign-in form, without record data', async () => {
    const secrets = [day.title, 'Kleinstadt-Kongress', '@', 'Zuletzt geändert', 'Datenschutz', 'Abmelden'];
    for (const path of probes) {
      const response = await fetch(`${base}${path}`);
      const html = await response.text();
      equal(response.status, 200, `final status for ${path}`);
      const final = new URL(response.url);
      equal(final.pathname, '/admin/anmelden', `final page for ${path}`);
      if (path !== '/admin') equal(final.searchParams.get('weiter'), path, `return address for ${path}`);
      assert(isSignInPage(html), `${path} ends at the sign-in form`);
      const main = html.slice(html.indexOf('<main'));
      for (const secret of secrets) assert(!main.includes(secret), `the sign-in page for ${path} shows ${secret}`);
    }
  });

  const editorContext = await newContext();
  const page = await editorContext.newPage();
  try {
    await signIn(page, EDITOR);
    await page.goto('/admin/personen');
    const person = await page.locator('table tbody a[href^="/admin/personen/"]').first().getAttribute('href');

    await check('access: an editor gets 403 „Keine Berechtigung“ for the erasure page', async () => {
      const response = await page.goto(`${person}/dsgvo-loeschung`);
      equal(response.status(), 403, 'status');
      equal(await h1(page), 'Keine Berechtigung', 'heading');
      await axe(page, 'error page (403)');
    });
    await check('access: an editor gets 403 for POST …/auskunft, even with the right CSRF token', async () => {
      await page.goto(person);
      assert(!(await page.getByRole('button', { name: 'Alle Daten exportieren (JSON)' }).count()), 'no export for editors');
      assert(!(await page.getByRole('link', { name: 'Personendaten löschen …' }).count()), 'no erasure link for editors');
      const csrf = await page.locator('input[name=_csrf]').first().inputValue();
      const response = await editorContext.request.post(`${base}${person}/auskunft`, { form: { _csrf: csrf }, maxRedirects: 0 });
      equal(response.status(), 403, 'status');
      const html = await response.text();
      assert(html.includes('Keine Berechtigung'), 'the page says so');
      assert(!html.includes('"email"'), 'no export in the answer');
    });
    await check('access: a forged session cookie gets the sign-in page', async () => {
      const forged = await newContext();
      await forged.addCookies([{ name: 'kleinstadt-sitzung', value: 'forged', url: base }]);
      const other = await forged.newPage();
      await other.goto('/admin/veranstaltungen');
      equal(await pathOf(other), '/admin/anmelden', 'final page');
      equal(await h1(other), 'Anmelden', 'heading');
      await forged.close();
    });
    await check('access: a form with a wrong _csrf is refused with 403 and changes nothing', async () => {
      await page.goto(person);
      const name = (await h1(page)).trim();
      await page.goto(`${person}/bearbeiten`);
      await page.locator('#feld-name').fill(`Verändert ${run}`);
      await page.locator('main input[name=_csrf]').evaluate((input) => { input.value = 'falsch'; });
      const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Speichern' }).click()]);
      equal(response.status(), 403, 'status');
      equal(await h1(page), 'Keine Berechtigung', 'heading');
      await page.goto(person);
      equal(await h1(page), name, 'the name is unchanged');
      await page.goto(`${person}/verlauf`);
      assert(!(await page.locator('main').innerText()).includes(run), 'the history has no such change');
    });
    await check('access: after „Abmelden“ the old session cookie no longer works', async () => {
      await page.goto('/admin');
      const cookie = (await editorContext.cookies(base)).find((c) => c.name === 'kleinstadt-sitzung');
      assert(cookie && cookie.value, 'a session cookie while signed in');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Abmelden' }).click()]);
      equal(await pathOf(page), '/admin/anmelden', 'page after signing out');
      assert((await page.locator('[role=status]').innerText()).includes('abgemeldet'), 'a message says so');
      const reused = await newContext();
      await reused.addCookies([{ name: 'kleinstadt-sitzung', value: cookie.value, url: base }]);
      const other = await reused.newPage();
      await other.goto('/admin/veranstaltungen');
      equal(await pathOf(other), '/admin/anmelden', 'final page with the old cookie');
      equal(await h1(other), 'Anmelden', 'heading');
      await reused.close();
    });
  } finally {
    await editorContext.close();
  }
}

// ---------------------------------------------------------------------------------------------

try {
  console.log(`staff interface at ${base} (Chromium ${browser.version()}, run ${run})`);
  console.log('== 1. an editing day by keyboard alone');
  await editingDay();
  console.log('== 2. a conflict between an editor and an administrator');
  await conflict();
  console.log('== 3. axe-core (WCAG 2.1 A and AA) on every page type');
  await axePages();
  console.log('== 4. access');
  await access();
} catch (error) {
  failures += 1;
  console.log(`FAIL (outside a check) ${error && error.stack || error}`);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failures} failed; screenshots in ${ARTIFACTS}/staff-*.png`);
process.exit(failures ? 1 : 0);
