// Loads the gateway's explorer page in headless Chromium (the Debian
// package, never a downloaded browser), checks that it lists the API's
// operations, runs "Try it out" on GET /v1/organization and saves a
// screenshot. Usage: node explorer-check.mjs <gateway URL> <token> <org> <png>
import { chromium } from 'playwright-core';

const [gateway, token, org, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(`${gateway}/v1/docs/`);
  await page.waitForSelector('.opblock', { timeout: 30000 });
  const ops = await page.locator('.opblock-summary-path').allInnerTexts();
  console.log(`explorer lists ${ops.length} operations`);
  for (const want of ['/v1/environments', '/v1/environments/{id}/stop', '/v1/organization']) {
    if (!ops.some((p) => p.replace(/\u200b/g, '') === want)) throw new Error(`operation ${want} missing from ${ops}`);
  }
  const tags = await page.locator('.opblock-tag').allInnerTexts();
  for (const want of ['Environments', 'Branching', 'Identity & Governance', 'AI tools']) {
    if (!tags.some((t) => t.startsWith(want))) throw new Error(`tag ${want} missing from ${tags}`);
  }
  // Authorize as a user would in the page, then try GET /v1/organization.
  await page.evaluate(([t, o]) => { window.ui.preauthorizeApiKey('bearer', t); window.ui.preauthorizeApiKey('organization', o); }, [token, org]);
  // An operation's id is operations-<tag>-<operationId>.
  const op = page.locator('[id^="operations-"][id$="-getOrganization"]');
  await op.locator('.opblock-summary').click();
  // The page enables "Try it out" by default; click it only if it is not.
  await op.locator('button.execute, button.try-out__btn').first().waitFor();
  if (await op.locator('button.execute').count() === 0) await op.locator('button.try-out__btn').click();
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 30000 });
  const code = (await status.innerText()).trim();
  const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
  await page.screenshot({ path: screenshot, fullPage: false });
  if (code !== '200' || !body.includes('"signatureVerified": true')) throw new Error(`try it: ${code} ${body}`);
  console.log(`try it: GET /v1/organization -> ${code}; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
