import { expect, test, type TestInfo } from '@playwright/test';

// A demo workload's checklists: items the evidence ticked, and a person
// ticking one by hand through the plain form, with JavaScript off and on.
// Each project works on its own workload, so the two never race.

const workloadFor = (testInfo: TestInfo) => (testInfo.project.name === 'js-on' ? 'Data platform' : 'Internal tools');

test('checklists show what the evidence ticked and take a tick by hand', async ({ page }, testInfo) => {
  const demo = testInfo.config.metadata.demoBaseURL as string;
  await page.goto(`${demo}/workloads`);
  await page.getByRole('link', { name: workloadFor(testInfo) }).first().click();
  await page.getByRole('link', { name: 'Checklists' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Checklists' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Packs' })).toContainText('AWS security baseline');

  // The demo's sync ticked the items whose evidence passes.
  await page.locator('form.filters select[name="evidence"]').selectOption('passing');
  if (testInfo.project.name === 'js-off') await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/evidence=passing/);
  const passing = page.locator('.checklist-item');
  await expect(passing.first()).toBeVisible();
  await expect(passing.first()).toContainText('by evidence');

  // A manual item, ticked by hand.
  await page.goto(`${page.url().split('?')[0]}?evidence=manual&state=open`);
  const item = page.locator('.checklist-item').first();
  const text = await item.locator('strong').textContent();
  await item.getByRole('button', { name: /^Tick: / }).click();
  await expect(page).toHaveURL(/state=open&evidence=manual#item-/);
  await page.goto(`${page.url().split('?')[0]}?evidence=manual&state=done`);
  const done = page.locator('.checklist-item', { hasText: text ?? '' });
  await expect(done).toContainText('Done by admin@e2e.test');
  await expect(done.getByRole('button', { name: /^Reopen: / })).toBeVisible();
});
