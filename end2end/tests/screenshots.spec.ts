import * as path from 'node:path';
import { expect, test } from '@playwright/test';

// Screenshots of the main pages in both themes, kept with the test results
// (end2end/test-results/screenshots/) for people to review.

const PAGES: [string, string][] = [
  ['overview', '/'],
  ['findings', '/findings?compliance=FAILED'],
  ['admin-users', '/admin'],
  ['remediation', '/remediation?all=1'],
];

for (const theme of ['light', 'dark']) {
  test(`screenshots of the main pages in the ${theme} theme`, async ({ page, context }, testInfo) => {
    test.skip(testInfo.project.name !== 'js-on', 'one set of screenshots is enough');
    const base = testInfo.config.metadata.demoBaseURL as string;
    await context.addCookies([{ name: 'plinth_theme', value: theme, url: base }]);
    await page.setViewportSize({ width: 1280, height: 900 });
    const shots: [string, string][] = [...PAGES];
    await page.goto(`${base}/`);
    const workload = await page.getByRole('link', { name: 'Checkout service' }).getAttribute('href');
    shots.push(['workload', workload ?? '/']);
    shots.push(['checklists', `${workload ?? ''}/checklists?pack=aws-security-services`]);
    shots.push(['answers', `${workload ?? ''}/answers?pillar=security`]);
    for (const [name, route] of shots) {
      await page.goto(`${base}${route}`);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
      const file = path.join(testInfo.project.outputDir, 'screenshots', `${name}-${theme}.png`);
      await page.screenshot({ path: file, fullPage: true });
    }
    // A phone-sized overview shows the layout holds at 390 px.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, 'nothing overflows the phone screen sideways').toBeLessThanOrEqual(390);
    await page.screenshot({
      path: path.join(testInfo.project.outputDir, 'screenshots', `overview-phone-${theme}.png`),
      fullPage: true,
    });
  });
}
