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

test('a pillar of a demo workload shows the evidence behind its score', async ({ page }, testInfo) => {
  await page.goto(testInfo.config.metadata.demoBaseURL as string);
  await page.getByRole('link', { name: 'Checkout service' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Checkout service' })).toBeVisible();
  await page.getByRole('link', { name: 'Security' }).click();
  await expect(page.getByRole('heading', { name: 'Controls and rules' })).toBeVisible();
  const evidence = page.getByRole('table', { name: 'Controls and rules with their result and points' });
  await expect(evidence.getByText('Failed').first()).toBeVisible();
  await expect(evidence.getByText('Passed').first()).toBeVisible();
  const questions = page.getByRole('table', { name: 'Questions with their risk and points' });
  await expect(questions.getByRole('row').nth(1)).toBeVisible();
});
