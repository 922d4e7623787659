import { expect, test, type Page, type TestInfo } from '@playwright/test';

// A demo workload's checklists: items the evidence ticked, and a person
// ticking one by hand through the plain form, with JavaScript off and on.
// Each project works on its own workload, so the two never race.

/** Resolves once the WebAssembly has hydrated the page. */
async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

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
  const id = await item.getAttribute('id');
  if (testInfo.project.name === 'js-on') await hydrated(page);
  await item.getByRole('button', { name: /^Tick: / }).click();
  if (testInfo.project.name === 'js-off') {
    await expect(page).toHaveURL(/state=open&evidence=manual#item-/);
  } else {
    // Ticked at once, without leaving the page, and the server agreed.
    const same = page.locator(`#${id}`);
    await expect(same).toHaveAttribute('data-state', 'done');
    await expect(same.getByRole('status')).toHaveText('Saved: Done.');
    await expect(page).toHaveURL(/state=open/);
  }
  await page.goto(`${page.url().split('?')[0]}?evidence=manual&state=done`);
  const done = page.locator('.checklist-item', { hasText: text ?? '' });
  await expect(done).toContainText('Done by admin@e2e.test');
  await expect(done.getByRole('button', { name: /^Reopen: / })).toBeVisible();
});

test('one keypress ticks an item, and a refused tick rolls back and says why', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'js-on', 'the optimistic tick needs JavaScript');
  const demo = testInfo.config.metadata.demoBaseURL as string;
  await page.goto(`${demo}/workloads`);
  await page.getByRole('link', { name: 'Data platform' }).first().click();
  await page.getByRole('link', { name: 'Checklists' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Checklists' })).toBeVisible();
  await page.goto(`${page.url().split('?')[0]}?evidence=manual&state=open`);
  await hydrated(page);
  const id = await page.locator('.checklist-item').last().getAttribute('id');
  const item = page.locator(`#${id}`);

  await item.getByRole('button', { name: /^Tick: / }).focus();
  await page.keyboard.press('x');
  await expect(item).toHaveAttribute('data-state', 'done');
  await expect(item.getByRole('status')).toHaveText('Saved: Done.');
  await expect(item.getByRole('button', { name: /^Reopen: / })).toBeFocused();

  // The server refuses the next change: the item goes back and says why.
  await page.route('**/api/tick', (route) =>
    route.fulfill({
      status: 403,
      contentType: 'application/json',
      body: JSON.stringify({ Forbidden: 'This needs the editor role.' }),
    }),
  );
  await page.keyboard.press('x');
  await expect(item.getByRole('status')).toContainText('Not saved, so it is Done again: This needs the editor role.');
  await expect(item).toHaveAttribute('data-state', 'done');
  await expect(item.getByRole('button', { name: /^Reopen: / })).toBeVisible();
});
