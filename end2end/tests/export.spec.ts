import { readFileSync } from 'node:fs';

import { expect, test, type Page } from '@playwright/test';

import { viewerState } from '../playwright.config';

// The review PDF and the other exports download through plain links, so
// they work the same with JavaScript off and on, for every role.

async function downloadFrom(page: Page, name: string | RegExp) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).first().click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

test.describe('a viewer', () => {
  test.use({ storageState: viewerState });

  test('downloads a demo workload review as a PDF from its page', async ({ page }, testInfo) => {
    await page.goto(testInfo.config.metadata.demoBaseURL as string);
    await page.getByRole('link', { name: 'Checkout service' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Checkout service' })).toBeVisible();
    const pdf = await downloadFrom(page, 'Export PDF');
    expect(pdf.name).toMatch(/^plinth-review-checkout-service-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.bytes.length).toBeGreaterThan(20_000);
    // A viewer reads; only editors record milestones.
    await expect(page.getByRole('button', { name: /Record a milestone/ })).toHaveCount(0);
  });

  test('downloads the CSV tables and the JSON document', async ({ page }, testInfo) => {
    await page.goto(testInfo.config.metadata.demoBaseURL as string);
    await page.getByRole('link', { name: 'Checkout service' }).click();
    const panel = page.getByRole('region', { name: 'Export' });
    await expect(panel).toBeVisible();
    const zip = await downloadFrom(page, 'CSV tables (zip)');
    expect(zip.name).toMatch(/\.zip$/);
    expect(zip.bytes.subarray(0, 2).toString()).toBe('PK');
    const json = await downloadFrom(page, 'JSON document');
    const review = JSON.parse(json.bytes.toString());
    expect(review.schema).toBe('plinth.review/1');
    expect(review.workload.name).toBe('Checkout service');
    expect(review.pillars).toHaveLength(6);
  });
});

test('the overview offers the organisation report', async ({ page }, testInfo) => {
  await page.goto(testInfo.config.metadata.demoBaseURL as string);
  const pdf = await downloadFrom(page, 'Organisation report (PDF)');
  expect(pdf.name).toMatch(/^plinth-organisation-\d{4}-\d{2}-\d{2}\.pdf$/);
  expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
});
