// The notification bell in a real browser: Bob keeps a page open; the administrator, in another
// browser session, assigns him a task; Bob's bell counts up and a toast names the task, without
// a reload. Exits non-zero on any failure.
// Usage: node bell.mjs BASE_URL ADMIN_EMAIL PASSWORD SCREENSHOT_DIR   (Bob: bob@example.com)
import { chromium } from 'playwright-core';

const [base, email, password, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const check = (ok, what) => { if (!ok) throw new Error(`failed: ${what}`); };

async function signIn(who) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const jsErrors = [];
  page.on('pageerror', (e) => jsErrors.push(String(e)));
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', who);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL('**/contacts'), page.press('input[name=password]', 'Enter')]);
  return { page, jsErrors };
}

try {
  const bob = await signIn('bob@example.com');
  const badge = bob.page.locator('[data-bell-count]');
  check(await badge.isHidden(), 'Bob starts with no unread notifications');
  // The stream is open before the task is assigned.
  await bob.page.waitForTimeout(1500);
  const loads = [];
  bob.page.on('load', () => loads.push(Date.now()));

  const admin = await signIn(email);
  await admin.page.goto(`${base}/tasks/new`);
  await admin.page.fill('input[name=title]', 'Call the Ivanovs back');
  await admin.page.selectOption('select[name=assignee_id]', { label: 'Bob' });
  await Promise.all([admin.page.waitForURL(/\/tasks\/\d+$/), admin.page.click('form.record-form button[type=submit]')]);

  await bob.page.waitForFunction(
    () => document.querySelector('[data-bell-count]')?.textContent.trim() === '1', null, { timeout: 15000 });
  check(!(await badge.isHidden()), 'the badge shows');
  check(loads.length === 0, 'Bob\'s page was not reloaded');
  const toast = await bob.page.locator('[data-toast]').textContent();
  check(toast.includes('Call the Ivanovs back'), `the toast names the task (${toast})`);
  check((await bob.page.title()).startsWith('(1) '), 'the page title counts too');
  await bob.page.screenshot({ path: `${shots}/bell.png` });

  // Opening the notification marks it read.
  await bob.page.goto(`${base}/notifications`);
  check((await bob.page.textContent('main')).includes('Call the Ivanovs back'), 'the list has it');
  const errors = [...bob.jsErrors, ...admin.jsErrors];
  check(errors.length === 0, `no script errors: ${errors.join('; ')}`);
  console.log('bell test passed');
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
