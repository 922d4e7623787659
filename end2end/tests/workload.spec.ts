import { expect, test } from '@playwright/test';

test('a workload opens from the overview and shows its six pillars', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Checkout service' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Checkout service' })).toBeVisible();
  await expect(page).toHaveURL(/\/workloads\/11111111-1111-4111-8111-111111111111$/);
  const pillars = page.getByRole('table', { name: 'Pillar scores with their components' });
  await expect(pillars.getByRole('row')).toHaveCount(7);
  await expect(pillars.getByLabel('Security: 82 of 100')).toBeVisible();
  await expect(page.getByText('Dana Reyes')).toBeVisible();
  await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
});

test('an unknown workload says so', async ({ page }) => {
  const response = await page.goto('/workloads/00000000-0000-4000-8000-000000000000');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
