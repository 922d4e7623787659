import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { viewerState } from '../playwright.config';
import { E2E_PASSWORD } from './accounts';

// Signing in and out, what each role sees, and the admin's users page.
// Each test runs with JavaScript off and on.

const jsOn = (testInfo: TestInfo) => testInfo.project.name === 'js-on';

async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

test.describe('a visitor who is not signed in', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('signs in, is brought back to the page they asked for, and signs out', async ({ page }, testInfo) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });

    await page.goto('/workloads');
    await expect(page).toHaveURL(/\/login\?next=%2Fworkloads$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Plinth' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

    await page.getByLabel('Email').fill('admin@e2e.test');
    await page.getByLabel('Password').fill(E2E_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page).toHaveURL(/\/workloads$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Workloads' })).toBeVisible();
    await expect(page.locator('.account')).toContainText('admin');
    if (jsOn(testInfo)) {
      await hydrated(page);
      expect(violations, 'the WebAssembly and scripts run under the Content-Security-Policy').toEqual([]);
    }

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login\?signed-out=1$/);
    await expect(page.getByRole('status')).toHaveText('You are signed out.');
    await page.goto('/');
    await expect(page).toHaveURL(/\/login\?next=%2F$/);
  });

  test('a wrong password is refused and the email typed is kept', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill('admin@e2e.test');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('alert')).toHaveText('That email and password do not match an active account.');
    await expect(page.getByLabel('Email')).toHaveValue('admin@e2e.test');
    await expect(page.getByLabel('Password')).toBeFocused();
  });
});

test.describe('a viewer', () => {
  test.use({ storageState: viewerState });

  test('reads everything but gets no buttons that change anything', async ({ page }) => {
    await page.goto(`${test.info().config.metadata.demoBaseURL}/sync`);
    await expect(page.getByRole('heading', { level: 1, name: 'Sync' })).toBeVisible();
    await expect(page.locator('.source-card').first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);

    const response = await page.goto(`${test.info().config.metadata.demoBaseURL}/admin`);
    expect(response?.status()).toBe(403);
    await expect(page.getByText('This needs the admin role')).toBeVisible();
  });
});

test('an admin adds a user, and a refused form keeps what was typed', async ({ page }, testInfo) => {
  const email = `lee-${testInfo.project.name}@e2e.test`;
  await page.goto('/');
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();

  const form = page.getByRole('region', { name: 'Add a user' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill('Lee Chen');
  await form.getByLabel('Role').selectOption('editor');
  await form.getByLabel('Password').fill('shorter');
  // The browser's own minlength check would stop the form; the server's is what counts.
  await form.getByLabel('Password').evaluate((input) => input.removeAttribute('minlength'));
  await form.getByRole('button', { name: 'Add user' }).click();

  await expect(page.getByRole('alert')).toContainText('The password is too short');
  await expect(form.getByLabel('Email')).toHaveValue(email);
  await expect(form.getByLabel('Name')).toHaveValue('Lee Chen');
  await expect(form.getByLabel('Role')).toHaveValue('editor');

  await form.getByLabel('Password').fill('a long enough passphrase');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByRole('status')).toHaveText(`Added ${email}.`);
  const row = page.locator(`tr[data-email="${email}"]`);
  await expect(row).toContainText('Lee Chen');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: email }).first()).toContainText('user.add');
});
