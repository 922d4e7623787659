import { expect, request as playwrightRequest, test } from '@playwright/test';

// Personal API tokens: made through a plain form, shown once, usable by a
// script at once, and revoked for good; the same with JavaScript off and on.

test('a user makes an API token, a script reads with it, and the user revokes it', async ({ page }, testInfo) => {
  const name = `Nightly export (${testInfo.project.name})`;
  await page.goto('/');
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();

  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Role').selectOption('viewer');
  await page.getByLabel('Expires').selectOption('30');
  await page.getByRole('button', { name: 'Create token' }).click();

  await expect(page.getByRole('heading', { name: 'New API token' })).toBeVisible();
  const secret = (await page.locator('[data-token]').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^plinth_[A-Za-z0-9_-]{40,}$/);
  // A script of its own: no cookie of the signed-in browser, only the token.
  const script = await playwrightRequest.newContext({
    baseURL: testInfo.project.use.baseURL,
    storageState: { cookies: [], origins: [] },
  });
  const read = await script.get('/api/v1/workloads', { headers: { Authorization: `Bearer ${secret}` } });
  expect(read.status()).toBe(200);

  await page.getByRole('link', { name: 'Back to your tokens' }).click();
  const tokens = page.getByRole('table', { name: 'Your API tokens' });
  const row = tokens.getByRole('row', { name: new RegExp(name.replace(/[()]/g, '\\$&')) });
  await expect(row).toBeVisible();
  await expect(page.getByText(secret)).toHaveCount(0);
  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(page.getByText('The token is revoked: it no longer works.')).toBeVisible();
  const refused = await script.get('/api/v1/workloads', { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  await script.dispose();
});
