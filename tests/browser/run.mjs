// A staff member's first minutes, in a real browser: sign in, add a company, add a contact
// picking the company from the suggestions, find it with the "/" search shortcut, switch the
// language, delete the contact through the confirmation dialog. Exits non-zero on any failure.
// Usage: node run.mjs BASE_URL EMAIL PASSWORD SCREENSHOT_DIR
import { chromium } from 'playwright-core';

const [base, email, password, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const check = (ok, what) => { if (!ok) throw new Error(`failed: ${what}`); };
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const jsErrors = [];
  page.on('pageerror', (e) => jsErrors.push(String(e)));

  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL('**/contacts'), page.press('input[name=password]', 'Enter')]);

  await page.goto(`${base}/companies/new`);
  await page.fill('input[name=name]', 'Browser Test Co');
  await Promise.all([page.waitForURL(/\/companies\/\d+$/), page.press('input[name=name]', 'Enter')]);

  await page.goto(`${base}/contacts/new`);
  await page.fill('input[name=name]', 'Зоя Браузерова');
  await page.fill('textarea[name=phones]', '+7 495 765-43-21');
  await page.locator('input[name=company]').pressSequentially('Browser', { delay: 30 });
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#company-suggestions option')].some((o) => o.value === 'Browser Test Co'));
  await page.fill('input[name=company]', 'Browser Test Co');
  await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.click('form.record-form button[type=submit]')]);
  check((await page.textContent('main')).includes('Browser Test Co'), 'the card shows the company');
  await page.screenshot({ path: `${shots}/contact-card-phone.png`, fullPage: true });

  // "/" focuses the search box from anywhere on the page.
  await page.keyboard.press('/');
  check(await page.evaluate(() => document.activeElement?.name === 'q'), '"/" focuses search');
  await page.keyboard.type('4321');
  await Promise.all([page.waitForURL(/\/search\?q=4321/), page.keyboard.press('Enter')]);
  check((await page.textContent('main')).includes('Зоя Браузерова'), 'search by the last digits');

  // The language select submits itself.
  await Promise.all([page.waitForNavigation(), page.selectOption('select[name=lang]', 'ru')]);
  check((await page.getAttribute('html', 'lang')) === 'ru', 'the page is now in Russian');

  // Deleting asks first; accepting deletes.
  await page.click('a:has-text("Зоя Браузерова")');
  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.accept(); });
  await Promise.all([page.waitForURL('**/contacts'), page.click('form[action$="/delete"] button')]);
  check(asked.length > 0, 'a confirmation was asked');
  await page.goto(`${base}/search?q=4321`);
  check(!(await page.textContent('main')).includes('Зоя Браузерова'), 'the contact is gone');
  check(jsErrors.length === 0, `no script errors: ${jsErrors.join('; ')}`);
  console.log('browser test passed');
} finally {
  await browser.close();
}
