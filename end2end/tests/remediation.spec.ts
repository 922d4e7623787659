import { expect, test, type TestInfo } from '@playwright/test';
import { viewerState } from '../playwright.config';

// Remediation on the demo: one click on a high-risk question creates an
// item; it gets an owner and a status, a refused risk acceptance keeps
// what was chosen, a comment is added, and "my items" lists it; with
// JavaScript off and on. Each project works on its own workload.

const workloadFor = (testInfo: TestInfo) => (testInfo.project.name === 'js-on' ? 'Data platform' : 'Internal tools');

test('an item created in one click is owned, moved along and commented', async ({ page }, testInfo) => {
  const demo = testInfo.config.metadata.demoBaseURL as string;
  await page.goto(`${demo}/workloads`);
  await page.getByRole('link', { name: workloadFor(testInfo) }).first().click();
  await expect(page.getByRole('region', { name: 'Remediation' })).toBeVisible();
  await page.getByRole('button', { name: /^Create a remediation item: / }).first().click();

  await expect(page.getByRole('status').filter({ hasText: 'The item was created.' })).toBeVisible();
  const title = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
  expect(title.length).toBeGreaterThan(3);

  // A risk accepted without a reason is refused, and the choice stays.
  const change = page.getByRole('region', { name: 'Change' });
  await change.getByLabel('Status').selectOption('risk_accepted');
  await change.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('Accepting a risk needs a reason and an expiry date after today.');
  await expect(page.getByRole('region', { name: 'Change' }).getByLabel('Status')).toHaveValue('risk_accepted');

  // The admin takes it and starts on it.
  await page.getByRole('region', { name: 'Change' }).getByLabel('Status').selectOption('in_progress');
  await page.getByRole('region', { name: 'Change' }).getByLabel('Owner').selectOption({ label: 'admin@e2e.test' });
  await page.getByRole('region', { name: 'Change' }).getByRole('button', { name: 'Save' }).click();
  const history = page.getByRole('region', { name: 'History' });
  await expect(history).toContainText('Status: Open → In progress');
  await expect(history).toContainText('Owner: nobody → admin@e2e.test');

  await page.getByRole('textbox', { name: 'Comment' }).fill('Started with the production account');
  await page.getByRole('button', { name: 'Add the comment' }).click();
  await expect(page.getByRole('region', { name: 'Comments' })).toContainText('Started with the production account');

  await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'Remediation' }).click();
  await page.getByRole('link', { name: 'My items' }).click();
  await expect(page).toHaveURL(/owner=me/);
  const row = page.getByRole('row', { name: new RegExp(title.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
  await expect(row.first()).toContainText('In progress');
});

test.describe('as a viewer', () => {
  test.use({ storageState: viewerState });

  test('a viewer reads the list but gets no forms', async ({ page }, testInfo) => {
    const demo = testInfo.config.metadata.demoBaseURL as string;
    await page.goto(`${demo}/remediation?all=1`);
    await expect(page.getByRole('heading', { level: 1, name: 'Remediation' })).toBeVisible();
    await expect(page.getByRole('checkbox', { name: /^Select: / })).toHaveCount(0);
    await expect(page.getByText('New item by hand')).toHaveCount(0);
  });
});
