import { expect, test } from '@playwright/test';

// This server was started by scripts/start.sh, the run command's last step,
// on an empty database with no AWS source configured.

test('the run command on an empty database shows the demo organisation', async ({ page }, testInfo) => {
  await page.goto(testInfo.config.metadata.demoBaseURL as string);
  const demo = page.getByRole('complementary', { name: 'Demo data' });
  await expect(demo).toBeVisible();
  await expect(demo.getByText('plinth sync')).toBeVisible();
  const table = page.getByRole('table');
  for (const workload of ['Checkout service', 'Customer portal', 'Data platform', 'Internal tools']) {
    await expect(table.getByRole('row', { name: new RegExp(workload) })).toBeVisible();
  }
});

test('a database with real workloads shows no demo badge', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('row', { name: /Checkout service/ })).toBeVisible();
  await expect(page.getByRole('complementary', { name: 'Demo data' })).toHaveCount(0);
});
