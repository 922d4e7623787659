import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';

// Every page, in the light and the dark theme, checked with axe-core for
// WCAG 2.1 A and AA and axe's best practices: no violation at all. The
// theme is the default one ("system"), which follows the browser's
// prefers-color-scheme, emulated here. Most pages are the demo
// organisation's, where every table and list has rows; the ids are found by
// following the links a person would, never written in.
//
// axe is a script that runs in the page, and a page without JavaScript
// runs none. So in the js-off project the browser has JavaScript but the
// page never gets the app's scripts (WebAssembly, its glue, navigate.js):
// axe sees the HTML the server sent, as a browser without JavaScript shows
// it. In js-on the page is checked once hydrated, islands and all.

const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

/** The body's background in each theme (style/main.css, --bg): proof the theme took. */
const BACKGROUND: Record<Theme, string> = { light: 'rgb(246, 247, 249)', dark: 'rgb(17, 22, 29)' };

const demo = (testInfo: TestInfo, path: string) => `${testInfo.config.metadata.demoBaseURL as string}${path}`;

/** The path (with its query) of the first link a locator finds. */
async function follow(page: Page, link: Locator): Promise<string> {
  const href = await link.first().getAttribute('href');
  expect(href, 'a link to follow').toBeTruthy();
  const url = new URL(href!, page.url());
  return url.pathname + url.search;
}

/** The demo's first workload on the overview, as its path. */
async function firstWorkload(page: Page, testInfo: TestInfo): Promise<string> {
  await page.goto(demo(testInfo, '/'));
  return follow(page, page.locator('table.workloads tbody th a'));
}

/** A remediation item's path: the demo starts with none, so one is made by hand if the list is empty. */
async function remediationItem(page: Page, testInfo: TestInfo): Promise<string> {
  await page.goto(demo(testInfo, '/remediation?all=1'));
  const items = page.getByRole('table', { name: 'Remediation items' }).locator('a[href^="/remediation/"]');
  if ((await items.count()) === 0) {
    await page.getByText('New item by hand').click();
    const form = page.locator('form.stacked-form[action="/remediation"]');
    await form.getByLabel('Workload').selectOption({ index: 1 });
    await form.getByLabel('Title').fill('Turn on MFA for every console user');
    await form.getByRole('button', { name: 'Create the item' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The item was created.' })).toBeVisible();
    return new URL(page.url()).pathname;
  }
  return follow(page, items);
}

type Target = {
  name: string;
  /** Goes to the page and returns once it is there. */
  open: (page: Page, testInfo: TestInfo) => Promise<void>;
  /** A page the server writes outside the app, which never hydrates. */
  plain?: boolean;
};

const at = (path: string): Target['open'] => async (page, testInfo) => {
  await page.goto(demo(testInfo, path));
};

const TARGETS: Target[] = [
  { name: 'overview', open: at('/') },
  {
    name: 'overview with the fixture workloads',
    open: async (page) => {
      await page.goto('/');
    },
  },
  {
    name: 'overview with no workloads',
    open: async (page, testInfo) => {
      await page.goto(testInfo.config.metadata.emptyBaseURL as string);
      await expect(page.getByRole('heading', { name: 'No workloads yet' })).toBeVisible();
    },
  },
  { name: 'workloads', open: at('/workloads') },
  {
    name: 'a workload',
    open: async (page, testInfo) => {
      await page.goto(demo(testInfo, await firstWorkload(page, testInfo)));
    },
  },
  {
    name: "a workload's pillar",
    open: async (page, testInfo) => {
      await page.goto(demo(testInfo, await firstWorkload(page, testInfo)));
      const pillars = page.getByRole('table', { name: 'Pillar scores with their components' });
      await page.goto(demo(testInfo, await follow(page, pillars.getByRole('link'))));
      await expect(page.getByRole('region', { name: 'Best practices and their evidence' })).toBeVisible();
    },
  },
  {
    name: "a workload's checklists",
    open: async (page, testInfo) => {
      await page.goto(demo(testInfo, await firstWorkload(page, testInfo)));
      await page.goto(demo(testInfo, await follow(page, page.getByRole('link', { name: 'Checklists', exact: true }))));
      await expect(page.locator('.checklist-item').first()).toBeVisible();
    },
  },
  {
    name: "a workload's answers",
    open: async (page, testInfo) => {
      await page.goto(demo(testInfo, await firstWorkload(page, testInfo)));
      const answers = page.getByRole('link', { name: 'Well-Architected answers', exact: true });
      await page.goto(demo(testInfo, await follow(page, answers)));
      await expect(page.locator('li.choice').first()).toBeAttached();
    },
  },
  { name: 'findings', open: at('/findings') },
  {
    name: 'a finding',
    open: async (page, testInfo) => {
      await page.goto(demo(testInfo, '/findings?compliance=FAILED'));
      const findings = page.getByRole('table', { name: 'Findings' });
      await page.goto(demo(testInfo, await follow(page, findings.locator('tbody tr th a'))));
      await expect(page.getByRole('heading', { name: 'Remediation' })).toBeVisible();
    },
  },
  { name: 'config rules', open: at('/rules') },
  {
    name: 'a config rule',
    open: async (page, testInfo) => {
      await page.goto(demo(testInfo, '/rules?compliance=NON_COMPLIANT'));
      const rules = page.getByRole('table', { name: 'Config rules with their compliance' });
      await page.goto(demo(testInfo, await follow(page, rules.locator('tbody tr th a'))));
      await expect(page.getByRole('heading', { name: 'Where it is deployed' })).toBeVisible();
    },
  },
  {
    name: 'remediation',
    open: async (page, testInfo) => {
      await remediationItem(page, testInfo);
      await page.goto(demo(testInfo, '/remediation'));
      await expect(page.getByRole('table', { name: 'Remediation items' })).toBeVisible();
    },
  },
  {
    name: 'a remediation item',
    open: async (page, testInfo) => {
      await page.goto(demo(testInfo, await remediationItem(page, testInfo)));
      await expect(page.getByRole('region', { name: 'History' })).toBeVisible();
    },
  },
  { name: 'sync', open: at('/sync') },
  { name: 'admin: users', open: at('/admin') },
  { name: 'admin: audit log', open: at('/admin/audit') },
  { name: 'admin: sources', open: at('/admin/sources') },
  { name: 'admin: checklists', open: at('/admin/checklists') },
  { name: 'API tokens', open: at('/settings/tokens') },
  { name: 'API documentation', open: at('/api/v1/docs'), plain: true },
  {
    name: 'page not found',
    open: async (page, testInfo) => {
      const response = await page.goto(demo(testInfo, '/no/such/page'));
      expect(response?.status()).toBe(404);
    },
  },
];

/** One line per violation: rule, impact, how many nodes, the first targets. */
function listed(violations: Awaited<ReturnType<AxeBuilder['analyze']>>['violations']): string {
  return violations
    .map((v) => {
      const targets = v.nodes.slice(0, 4).map((node) => node.target.join(' '));
      const more = v.nodes.length > 4 ? `, and ${v.nodes.length - 4} more` : '';
      return `${v.id} (${v.impact}, ${v.nodes.length} node${v.nodes.length === 1 ? '' : 's'}): ${v.help}\n    ${targets.join('\n    ')}${more}`;
    })
    .join('\n');
}

async function check(page: Page, testInfo: TestInfo, theme: Theme, plain = false) {
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
  await expect(page.locator('body')).toHaveCSS('background-color', BACKGROUND[theme]);
  // A hydrated page may differ from what the server sent: check it as it is then.
  if (testInfo.project.name === 'js-on' && !plain) {
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  }
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  expect(results.violations, `axe on ${page.url()} (${theme}):\n${listed(results.violations)}`).toEqual([]);
}

test.use({ javaScriptEnabled: true });

test.beforeEach(async ({ page }, testInfo) => {
  if (testInfo.project.name === 'js-off') {
    await page.route(/\.(js|wasm)(\?.*)?$/, (route) => route.abort());
  }
});

for (const theme of THEMES) {
  test.describe(`${theme} theme`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme: theme });
    });

    for (const target of TARGETS) {
      test(`${target.name} has no accessibility violation`, async ({ page }, testInfo) => {
        await target.open(page, testInfo);
        await check(page, testInfo, theme, target.plain);
      });
    }

    test.describe('signed out', () => {
      test.use({ storageState: { cookies: [], origins: [] } });

      test('the sign-in page has no accessibility violation', async ({ page }, testInfo) => {
        await page.goto(demo(testInfo, '/login'));
        await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
        await check(page, testInfo, theme);
      });
    });
  });
}

// On a phone most tables scroll sideways in their frames: each must still
// be reachable by keyboard (axe: scrollable-region-focusable), whatever
// the rows hold.
test.describe('at phone width', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  const PHONE = new Set(['overview', "a workload's pillar", 'findings', 'config rules', 'a config rule', 'sync', 'admin: audit log']);
  for (const target of TARGETS.filter((t) => PHONE.has(t.name))) {
    test(`${target.name} has no accessibility violation`, async ({ page }, testInfo) => {
      await page.emulateMedia({ colorScheme: 'light' });
      await target.open(page, testInfo);
      await check(page, testInfo, 'light', target.plain);
    });
  }
});

test('at 1,400 pixels the overview shows every column of the workloads table', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(demo(testInfo, '/'));
  const table = page.locator('table.workloads');
  const last = table.locator('thead th').last();
  await expect(last).toBeVisible();
  const [cell, frame] = await Promise.all([
    last.boundingBox(),
    table.evaluate((element) => {
      const box = (element.closest('.table-scroll') ?? element).getBoundingClientRect();
      return { left: box.left, right: box.right };
    }),
  ]);
  expect(cell, 'the last column header has a box').not.toBeNull();
  // The whole header is inside its table's frame and the window, unscrolled.
  expect(cell!.x).toBeGreaterThanOrEqual(frame.left);
  expect(cell!.x + cell!.width).toBeLessThanOrEqual(frame.right + 0.5);
  expect(cell!.x + cell!.width).toBeLessThanOrEqual(1400);
  // And the page itself never scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
});
