import { expect, test, type TestInfo } from '@playwright/test';
import { viewerState } from '../playwright.config';

// A demo workload's Well-Architected answers as a checklist: a practice
// marked followed, another not applicable with a reason, through plain
// forms, with JavaScript off and on. The demo has no AWS account behind
// it, so changes stay in Plinth and the page says why write-back is off.
// Each project works on its own workload, so the two never race.

const workloadFor = (testInfo: TestInfo) => (testInfo.project.name === 'js-on' ? 'Data platform' : 'Internal tools');

test('a practice is marked followed and another not applicable, kept in Plinth', async ({ page }, testInfo) => {
  const demo = testInfo.config.metadata.demoBaseURL as string;
  await page.goto(`${demo}/workloads`);
  await page.getByRole('link', { name: workloadFor(testInfo) }).first().click();
  await page.getByRole('link', { name: 'Well-Architected answers' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Well-Architected answers' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Write-back to the Well-Architected Tool' })).toContainText(
    'the demo data has no AWS account behind it',
  );

  // The reliability questions, each open to answer.
  await page.locator('form.filters select[name="pillar"]').selectOption('reliability');
  if (testInfo.project.name === 'js-off') await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/pillar=reliability/);
  const question = page.locator('details.question-card').first();
  const choice = question.locator('li.choice[data-state="open"]').first();
  const title = (await choice.locator('.checklist-head > span').nth(2).textContent()) ?? '';
  await choice.getByRole('button', { name: `Followed: ${title}` }).click();

  await expect(page).toHaveURL(/open=.*#question-/);
  const answered = page.locator('details.question-card[open]', { has: page.getByText(title, { exact: true }) }).first();
  await expect(answered).toContainText('Changed in Plinth; not in the Well-Architected Tool.');
  await expect(answered.locator('li.choice', { hasText: title })).toHaveAttribute('data-state', 'selected');
  await expect(answered.getByRole('button', { name: `Clear: ${title}` })).toBeVisible();

  // Another practice does not apply: the reason is kept and shown.
  const other = answered.locator('li.choice[data-state="open"]').first();
  await other.locator('summary', { hasText: 'Not applicable…' }).click();
  await other.getByLabel('Why it does not apply').fill('No such workloads in this account');
  await other.getByRole('button', { name: 'Mark not applicable' }).click();
  const again = page.locator('details.question-card[open]', { has: page.getByText(title, { exact: true }) }).first();
  await expect(again).toContainText('“No such workloads in this account”');
  await again.locator('summary', { hasText: 'History' }).click();
  await expect(again.locator('.history')).toContainText('by admin@e2e.test');
  await expect(again.locator('.history')).toContainText('kept in Plinth');
});

test.describe('as a viewer', () => {
  test.use({ storageState: viewerState });

  test('a viewer reads the answers but gets no forms', async ({ page }, testInfo) => {
  const demo = testInfo.config.metadata.demoBaseURL as string;
  await page.goto(`${demo}/workloads`);
  await page.getByRole('link', { name: workloadFor(testInfo) }).first().click();
  await page.getByRole('link', { name: 'Well-Architected answers' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Well-Architected answers' })).toBeVisible();
  await expect(page.locator('details.question-card').first()).toBeVisible();
  await expect(page.getByRole('button', { name: /^Followed: / })).toHaveCount(0);
  });
});
