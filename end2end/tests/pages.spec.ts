import { expect, test, type Page, type TestInfo } from '@playwright/test';

// The findings, rules and sync pages, on the demo organisation that the run
// command loads. Each test runs twice: JavaScript off (links and GET forms)
// and on (hydrated: filters apply without a reload).

function demo(testInfo: TestInfo, path: string): string {
  return `${testInfo.config.metadata.demoBaseURL as string}${path}`;
}

const jsOn = (testInfo: TestInfo) => testInfo.project.name === 'js-on';

async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/** Marks the window so a full page load (which clears it) can be told from client-side navigation. */
async function markWindow(page: Page) {
  await page.evaluate(() => ((window as unknown as { plinthMark: number }).plinthMark = 42));
}

async function windowMark(page: Page): Promise<number | undefined> {
  return page.evaluate(() => (window as unknown as { plinthMark?: number }).plinthMark);
}

/** Sends a filter form: by its button without JavaScript; hydrated, changing the field is enough. */
async function applyFilters(page: Page, testInfo: TestInfo) {
  if (!jsOn(testInfo)) {
    await page.getByRole('button', { name: 'Apply filters' }).click();
  }
}

test('findings filter on the server and the filters live in the address', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/findings'));
  await expect(page.getByRole('heading', { level: 1, name: 'Findings' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Findings' });
  await expect(table.getByRole('row').nth(1)).toBeVisible();
  if (jsOn(testInfo)) {
    await hydrated(page);
    await markWindow(page);
  }

  await page.getByLabel('Severity').selectOption('CRITICAL');
  await applyFilters(page, testInfo);

  await expect(page).toHaveURL(/severity=CRITICAL/);
  await expect(page.getByLabel('Severity')).toHaveValue('CRITICAL');
  const severities = await table.locator('tbody .severity').allTextContents();
  expect(severities.length).toBeGreaterThan(0);
  expect(new Set(severities)).toEqual(new Set(['Critical']));
  if (jsOn(testInfo)) {
    expect(await windowMark(page), 'filtering did not reload the page').toBe(42);
  }

  // The address alone gives the same view: share it, bookmark it.
  const shared = page.url();
  await page.goto(shared);
  await expect(page.getByLabel('Severity')).toHaveValue('CRITICAL');
});

test('findings page by cursor and open into a finding with its raw JSON', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/findings?compliance=FAILED'));
  const table = page.getByRole('table', { name: 'Findings' });
  const firstTitle = await table.locator('tbody tr').first().locator('th').textContent();
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/after=/);
  await expect(table.locator('tbody tr').first().locator('th')).not.toHaveText(firstTitle ?? '');
  await expect(page.getByRole('link', { name: 'First page' })).toBeVisible();

  await table.locator('tbody tr').first().locator('th a').click();
  await expect(page.getByRole('heading', { name: 'Remediation' })).toBeVisible();
  await page.getByText('Raw finding (JSON)').click();
  await expect(page.locator('.raw pre')).toContainText('"AwsAccountId"');
});

test('a filter that matches nothing says so and offers a way out', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/findings?control=NOPE.1'));
  await expect(page.getByRole('heading', { name: 'No findings match' })).toBeVisible();
  await page.getByRole('link', { name: 'clear them all' }).click();
  await expect(page.getByRole('table', { name: 'Findings' })).toBeVisible();
});

test('config rules filter by compliance and open into their resources', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/rules'));
  await expect(page.getByRole('heading', { level: 1, name: 'Config rules' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Conformance packs' })).toBeVisible();
  if (jsOn(testInfo)) await hydrated(page);

  await page.getByRole('combobox', { name: 'Compliance' }).selectOption('NON_COMPLIANT');
  await applyFilters(page, testInfo);

  await expect(page).toHaveURL(/compliance=NON_COMPLIANT/);
  const rules = page.getByRole('table', { name: 'Config rules with their compliance' });
  await expect(rules.locator('tbody tr').first()).toBeVisible();
  await rules.locator('tbody tr').first().locator('th a').click();
  await expect(page.getByRole('heading', { name: 'Where it is deployed' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Resources the rule evaluated' }).getByText('Non-compliant').first()).toBeVisible();
});

test('the sync page lists the demo source and its runs', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/sync'));
  await expect(page.getByRole('heading', { level: 3, name: 'demo' })).toBeVisible();
  const runs = page.getByRole('table', { name: 'Recent sync runs, newest first' });
  await expect(runs.getByText('Succeeded').first()).toBeVisible();
});

test('sync now starts a run that the page shows', async ({ page }, testInfo) => {
  // Both projects may press the button at nearly the same time: the second
  // is told plainly that a sync is already running, which is also correct.
  await page.goto(demo(testInfo, '/sync'));
  if (jsOn(testInfo)) {
    await hydrated(page);
    await markWindow(page);
  }
  // The table keeps the newest 20 runs, so once it is full a new run shows
  // as a start time the table did not have, not as one more row.
  const started = page.getByRole('table', { name: 'Recent sync runs, newest first' }).locator('tbody tr th');
  const before = new Set(await started.allTextContents());
  await page.getByRole('button', { name: 'Sync now' }).click();

  const conflict = page.getByRole('alert').filter({ hasText: 'already running' });
  await expect
    .poll(
      async () => {
        if (!jsOn(testInfo)) await page.reload();
        const now = await started.allTextContents();
        return now.some((text) => !before.has(text)) || (await conflict.count()) > 0;
      },
      { timeout: 30_000, intervals: [500, 1000] },
    )
    .toBe(true);
  if (jsOn(testInfo)) {
    expect(await windowMark(page), 'the run appeared without a reload').toBe(42);
  }
});

test('the header leads to every section and marks the current one', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/'));
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [name, heading] of [
    ['Workloads', 'Workloads'],
    ['Findings', 'Findings'],
    ['Config rules', 'Config rules'],
    ['Sync', 'Sync'],
    ['Overview', 'Overview'],
  ]) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expect(nav.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
  }
});

test('the overview shows trends, the failing controls and data freshness', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/'));
  await expect(page.getByRole('img', { name: /Pillar scores out of 100: Operational excellence \d+/ })).toBeVisible();
  await expect(page.getByLabel('Data freshness')).toContainText(/demo\s+synced/);
  const failing = page.getByRole('region', { name: 'Most severe failing controls' });
  await expect(failing.getByRole('listitem').first()).toBeVisible();
  await failing.getByRole('link').first().click();
  await expect(page).toHaveURL(/control=.*compliance=FAILED|compliance=FAILED.*control=/);
  await expect(page.locator('tbody .result').first()).toHaveText('Failed');
});

test('a workload shows its trend with milestones and its review by pillar', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/'));
  await page.getByRole('link', { name: 'Checkout service' }).click();
  await expect(page.getByRole('img', { name: /Pillar scores over the last \d+ snapshots/ })).toBeVisible();
  await expect(page.locator('.chart-marker').first()).toBeAttached();
  const review = page.getByRole('region', { name: 'Review by pillar' });
  await expect(review.getByText('High risk').first()).toBeVisible();
  await expect(review.getByText('Missing:').first()).toBeVisible();
});

test('a pillar joins each best practice with its evidence', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/'));
  await page.getByRole('link', { name: 'Checkout service' }).click();
  await page.getByRole('table', { name: 'Pillar scores with their components' }).getByRole('link', { name: 'Security' }).click();
  const practices = page.getByRole('region', { name: 'Best practices and their evidence' });
  await expect(practices.getByText('Selected').first()).toBeVisible();
  await expect(practices.getByText('Not selected').first()).toBeVisible();
  await expect(practices.locator('.evidence-chip').first()).toBeVisible();
});

test('the skip link jumps to the content without reloading it', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/findings'));
  if (jsOn(testInfo)) {
    await hydrated(page);
    await markWindow(page);
  }
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Findings' })).toBeVisible();
  if (jsOn(testInfo)) {
    expect(await windowMark(page), 'the page was not fetched again').toBe(42);
  }
});

test('a filter field keeps the keyboard focus after the filters apply', async ({ page }, testInfo) => {
  test.skip(!jsOn(testInfo), 'without JavaScript the button sends the form and the page loads anew');
  await page.goto(demo(testInfo, '/findings'));
  await hydrated(page);
  await page.getByLabel('Workflow').focus();
  await page.getByLabel('Workflow').selectOption('NEW');
  await expect(page).toHaveURL(/workflow=NEW/);
  await expect(page.getByLabel('Workflow')).toBeFocused();
});

test('findings show each account by its name beside its id, and the account filter takes a name', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/findings'));
  const table = page.getByRole('table', { name: 'Findings' });
  const accounts = table.locator('tbody .account-name');
  await expect(accounts.first()).toBeVisible();
  for (const text of await accounts.allTextContents()) {
    expect(text).toMatch(/^(Production|Staging|Shared services) \d{12}$/);
  }
  if (jsOn(testInfo)) {
    await hydrated(page);
  }

  await page.getByLabel('Account').fill('staging');
  await page.getByLabel('Account').press('Enter');

  await expect(page).toHaveURL(/account=staging/);
  await expect(page.getByLabel('Account')).toHaveValue('staging');
  await expect(accounts.first()).toBeVisible();
  expect(new Set(await accounts.allTextContents())).toEqual(new Set(['Staging 271828182845']));
});

test('the sync page lists every account with its name, unit and when it last synced', async ({ page }, testInfo) => {
  await page.goto(demo(testInfo, '/sync'));
  const accounts = page.getByRole('table', { name: "Each source's accounts: failing first, then by name" });
  const production = accounts.getByRole('row', { name: /Production 314159265358/ });
  await expect(production).toBeVisible();
  await expect(production).toContainText('Root / Workloads / Production');
  await expect(production).toContainText('Synced');

  await page.getByRole('link', { name: /^Failing \(\d+\)$/ }).click();
  await expect(page).toHaveURL(/accounts=failing/);
  await expect(page.getByText('No account matches.')).toBeVisible();
});
