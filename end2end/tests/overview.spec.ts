import { expect, test, type Page } from '@playwright/test';

const PILLARS = [
  'Operational excellence',
  'Security',
  'Reliability',
  'Performance efficiency',
  'Cost optimization',
  'Sustainability',
];

/** Resolves once the WebAssembly has hydrated the page. */
async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/** Collects console errors and uncaught exceptions for the whole test. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

test('the overview names the six pillars and what each covers', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  const pillars = page.getByRole('region', { name: 'The six pillars' });
  for (const name of PILLARS) {
    await expect(pillars.getByRole('heading', { name })).toBeVisible();
  }
  await expect(pillars.getByText('least privilege', { exact: false })).toBeVisible();
});

test('the overview lists the workloads from the database with their scores', async ({ page }) => {
  await page.goto('/');
  const table = page.getByRole('table');
  const checkout = table.getByRole('row', { name: /Checkout service/ });
  await expect(checkout).toBeVisible();
  await expect(checkout.getByLabel('Security: 82 of 100')).toBeVisible();
  await expect(checkout.getByLabel('Overall: 62 of 100')).toBeVisible();
  await expect(checkout.getByRole('cell', { name: 'Dana Reyes' })).toBeVisible();
  const wiki = table.getByRole('row', { name: /Internal wiki/ });
  await expect(wiki.getByLabel('Overall: no data yet')).toBeVisible();
});

test('with no workloads the overview says how to get data', async ({ page }, testInfo) => {
  await page.goto(testInfo.config.metadata.emptyBaseURL as string);
  await expect(page.getByRole('heading', { name: 'No workloads yet' })).toBeVisible();
  await expect(page.getByText('Getting data', { exact: false })).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
});

test('an unknown address shows a page that leads back', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to the overview' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
});

test.describe('the theme toggle', () => {
  test('switches to dark through the server without JavaScript and the choice persists', async ({
    page,
    javaScriptEnabled,
  }) => {
    test.skip(javaScriptEnabled, 'the form path is for browsers without JavaScript');
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByRole('button', { name: 'Light theme' })).toBeVisible();
  });

  test('switches in place once hydrated, without a reload, and persists', async ({
    page,
    javaScriptEnabled,
  }) => {
    test.skip(!javaScriptEnabled, 'in-place switching needs the hydrated page');
    const errors = collectErrors(page);
    await page.goto('/');
    await hydrated(page);
    // A reload would wipe this mark; switching in place keeps it.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByRole('button', { name: 'Light theme' })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.getByRole('button', { name: 'Light theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    expect(errors).toEqual([]);
  });
});

test('the hydrated overview logs no errors', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'hydration needs JavaScript');
  const errors = collectErrors(page);
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Checkout service/ })).toBeVisible();
  expect(errors).toEqual([]);
});
