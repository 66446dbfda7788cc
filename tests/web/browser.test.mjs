// Browser test of the dsure web page (run by tests/web/browser.sh, which starts `dsure serve`).
//
// Drives Debian's chromium through playwright-core, headless, in a fresh profile, and checks what
// a platform and an insurer do with the page: an API call without a key is refused (401) and the
// error lands next to the key field; the example assets load; a bad record count comes back from
// the API as an error shown next to that asset's records input; grading shows the profile of
// DESIGN.md section 5 (A1 important, A2 general, A3 core); the quote shows a premium > 0 formatted
// as CNY with thousands separators, equal to the API's own answer for the same request; the loss
// exceedance plot is an SVG path through every ep_curve point, increasing left to right in return
// period; the what-if table has rows sorted by saving, largest first; a screenshot is saved; the
// insurer view finds the quote by id, says 404 for an unknown id and shows a policy bound from the
// quote; an uploaded JSON file fills the form. Any uncaught page error or console error fails the
// test.
//
// Environment: DSURE_URL (server base URL), DSURE_KEY (platform key), DSURE_INSURER_KEY (insurer
// key; optional, the platform key is used if absent), DSURE_EXAMPLE (a quote request file to
// upload), DSURE_SCREENSHOT (PNG path), DSURE_PROFILE_DIR (fresh chromium profile directory),
// DSURE_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} must be set`);
  return v;
};
const base = env('DSURE_URL').replace(/\/$/, '');
const platformKey = env('DSURE_KEY');
const insurerKey = env('DSURE_INSURER_KEY', platformKey);
const example = env('DSURE_EXAMPLE');
const shot = env('DSURE_SCREENSHOT');
const profileDir = env('DSURE_PROFILE_DIR');
const executablePath = env('DSURE_CHROMIUM', '/usr/bin/chromium');

const step = (msg) => console.log(`-- ${msg}`);
const problems = [];

const context = await chromium.launchPersistentContext(profileDir, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
// The page must not reach outside the server (it works offline): any other request fails.
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(base + '/')) return route.continue();
  problems.push(`request outside the server: ${url}`);
  return route.abort();
});

try {
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The API's 4xx answers are provoked on purpose below; any other failed response (the page,
  // its stylesheet or script) is a defect.
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/v1/')) {
      problems.push(`${r.status()} for ${r.url()}`);
    }
  });
  page.on('console', (m) => {
    // The browser logs failed fetches (the 401/400/404 this test provokes) as console errors
    // with "Failed to load resource"; anything else is a defect of the page.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });

  step('load the page');
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="true"]');
  assert.match(await page.title(), /dsure/);
  // The stylesheet and the script came from /static/: styles applied, coverage rows built.
  assert.equal(await page.$eval('header.site', (h) => getComputedStyle(h).color),
    'rgb(255, 255, 255)');
  assert.equal(await page.locator('#coverages-body tr').count(), 9);

  step('grading without a key is refused, and the error is shown at the key field');
  await page.click('#load-example');
  await page.click('#grade-btn');
  await page.waitForSelector('#key-form .field-error[data-status="401"]');
  assert.equal(await page.getAttribute('#api-key', 'aria-invalid'), 'true');

  step('enter the key (kept in sessionStorage, not in the input)');
  await page.fill('#api-key', platformKey);
  await page.press('#api-key', 'Enter');
  await page.waitForFunction(() => sessionStorage.getItem('dsure.apiKey'));
  assert.equal(await page.inputValue('#api-key'), '');
  assert.match(await page.textContent('#key-status'), /Key set/);

  step('load the example assets');
  await page.click('#load-example');
  assert.equal(await page.locator('#assets-body tr').count(), 3);
  assert.equal(await page.inputValue('#p-revenue'), '800,000,000');

  step('an invalid record count comes back as an error next to that input');
  const records2 = page.locator('#assets-body tr').nth(1).locator('.a-records');
  await records2.fill('-5');
  await page.click('#grade-btn');
  const err = page.locator('#assets-body tr').nth(1).locator('.field-error');
  await err.waitFor();
  assert.equal(await err.getAttribute('data-field-path'), 'assets[1].records');
  assert.match(await err.textContent(), /non-negative/);
  assert.equal(await records2.getAttribute('aria-invalid'), 'true');
  await records2.fill('1,500,000');

  step('grade');
  await page.click('#grade-btn');
  await page.waitForSelector('#profile:not([hidden]) #profile-table tbody tr');
  const grades = await page.$$eval('#profile-table tbody tr:not(.total)', (rows) =>
    rows.map((r) => [r.cells[0].textContent, r.cells[4].textContent]));
  assert.deepEqual(grades, [['A1', 'important'], ['A2', 'general'], ['A3', 'core']]);
  assert.equal(await page.locator('.field-error').count(), 0, 'errors cleared after success');

  step('a cover error lands on its coverage row (indices count ticked coverages only)');
  await page.uncheck('#cv-on-CBI');
  assert.ok(await page.isDisabled('tr[data-code="CBI"] .cv-sublimit'));
  const dias = page.locator('tr[data-code="DIAS"] .cv-sublimit');
  await dias.fill('-1');
  const [bad] = await Promise.all([
    page.waitForRequest((r) => r.url() === base + '/v1/quotes'),
    page.click('#quote-btn'),
  ]);
  const sent = bad.postDataJSON().cover.coverages.map((c) => c.code);
  assert.deepEqual(sent, ['INRE', 'NPBI', 'DIAS', 'EXT', 'FIN', 'LIA', 'REG', 'ENO']);
  const diasErr = page.locator('tr[data-code="DIAS"] .field-error');
  await diasErr.waitFor();
  assert.equal(await diasErr.getAttribute('data-field-path'), 'cover.coverages[2].sublimit');
  assert.equal(await dias.getAttribute('aria-invalid'), 'true');
  await page.check('#cv-on-CBI');
  await dias.fill('1,000,000');

  step('quote');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === base + '/v1/quotes' &&
      r.request().method() === 'POST'),
    page.click('#quote-btn'),
  ]);
  assert.ok(response.ok(), `POST /v1/quotes answered ${response.status()}`);
  const api = await response.json();
  await page.waitForSelector('#quote-result:not([hidden]) #q-premium');
  const premiumText = await page.textContent('#q-premium');
  const premium = Number(await page.getAttribute('#q-premium', 'data-value'));
  console.log(`   premium shown: ${premiumText}`);
  assert.ok(premium > 0, 'premium > 0');
  assert.equal(premium, api.premium, 'premium shown is the API\'s');
  assert.match(premiumText, /^CNY\s\d{1,3}(,\d{3})+\.\d\d$/, 'CNY with thousands separators');
  assert.equal(Number(premiumText.replace(/[^\d.]/g, '')), api.premium);

  step('the loss exceedance plot is drawn through every curve point');
  const plot = await page.$eval('svg.ep-plot path.ep-line', (p) => ({
    d: p.getAttribute('d'), width: p.getBBox().width,
  }));
  const pts = [...plot.d.matchAll(/[ML]\s*(-?[\d.]+)\s+(-?[\d.]+)/g)].map((m) => [+m[1], +m[2]]);
  assert.equal(pts.length, api.ep_curve.length, 'one path point per ep_curve point');
  assert.ok(pts.length >= 2);
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i][0] > pts[i - 1][0], 'x increases');
  assert.ok(pts.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  assert.ok(plot.width > 100, `plot width ${plot.width}`);
  assert.ok(await page.locator('svg.ep-plot .tick').count() >= 6, 'axis tick labels');
  assert.equal(await page.locator('svg.ep-plot .dots circle').count(), api.ep_curve.length);

  step('what-if savings, largest first');
  const savings = await page.$$eval('table.whatif tbody tr', (rows) =>
    rows.map((r) => r.cells[2].textContent));
  assert.ok(savings.length > 0, 'what-if rows');
  assert.equal(savings.length, api.what_if.length);
  const values = savings.map((s) =>
    (s.startsWith('+') ? -1 : 1) * Number(s.replace(/[^\d.]/g, '')));
  for (let i = 1; i < values.length; i++) assert.ok(values[i] <= values[i - 1], 'sorted');
  assert.equal(await page.locator('table.factors tbody tr').count(), api.factors.length);
  assert.equal(await page.locator('table.bycov tbody tr').count(), api.by_coverage.length);

  step(`screenshot ${shot}`);
  await page.screenshot({ path: shot, fullPage: true });

  step('insurer view: the quote by id, and 404 for an unknown id');
  await page.fill('#api-key', insurerKey);
  await page.press('#api-key', 'Enter');
  await page.click('#tab-insurer');
  await page.fill('#lk-id', api.quote_id);
  await page.click('#lookup-btn');
  await page.waitForSelector('#lookup-result:not([hidden]) #lk-premium');
  assert.equal(Number(await page.getAttribute('#lk-premium', 'data-value')), premium);
  await page.fill('#lk-id', "Q-0' OR '1'='1");
  await page.click('#lookup-btn');
  await page.waitForSelector('#lk-id[aria-invalid="true"]');
  assert.match(await page.textContent('#view-insurer .field-error[data-status="404"]'),
    /no quote "Q-0' OR '1'='1"/);
  assert.ok(await page.isHidden('#lookup-result'));

  step('insurer view: a policy bound from the quote');
  const policy = await page.evaluate(async ([key, quoteId]) => {
    const r = await fetch('/v1/policies', { method: 'POST',
      body: JSON.stringify({ quote_id: quoteId }),
      headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' } });
    return { status: r.status, body: await r.json() };
  }, [insurerKey, api.quote_id]);
  assert.equal(policy.status, 201, JSON.stringify(policy.body));
  await page.selectOption('#lk-kind', 'policies');
  await page.fill('#lk-id', policy.body.policy_id);
  await page.click('#lookup-btn');
  await page.waitForSelector('#lookup-result:not([hidden]) dd[data-key="policy_id"]');
  assert.equal(await page.textContent('#lookup-result dd[data-key="policy_id"]'),
    policy.body.policy_id);
  assert.equal(await page.textContent('#lookup-result dd[data-key="premium"]'), premiumText);
  assert.equal(await page.locator('#lookup-result .field-error').count(), 0);
  await page.screenshot({ path: shot.replace(/\.png$/, '-insurer.png'), fullPage: true });

  step('keyboard: arrow keys move between the tabs');
  await page.focus('#tab-insurer');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getAttribute('#tab-platform', 'aria-selected'), 'true');
  assert.ok(await page.isVisible('#view-platform'));

  step('an uploaded JSON file fills the form');
  await page.click('#assets-body tr:first-child td:last-child .icon-btn');
  await page.setInputFiles('#upload', example);
  await page.waitForSelector('#upload-status.ok');
  const uploaded = JSON.parse(readFileSync(example, 'utf8'));
  assert.equal(await page.locator('#assets-body tr').count(), uploaded.assets.length);
  assert.equal(await page.inputValue('#assets-body tr:first-child .a-id'), uploaded.assets[0].id);

  assert.deepEqual(problems, [], 'no page errors, console errors or outside requests');
  console.log('browser test passed');
} finally {
  await context.close();
}
