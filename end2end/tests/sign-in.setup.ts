import { expect, test as setup } from '@playwright/test';
import { adminState, viewerState } from '../playwright.config';
import { E2E_PASSWORD } from './accounts';

// Signs in to each of the three servers as the admin and as the viewer
// that scripts/test.sh created, through the sign-in form's own endpoint,
// and keeps the cookies for the tests.
for (const [role, state] of [
  ['admin', adminState],
  ['viewer', viewerState],
] as const) {
  setup(`sign in as the ${role}`, async ({ request }, testInfo) => {
    const metadata = testInfo.config.metadata;
    const bases = [testInfo.config.projects[1].use.baseURL!, metadata.emptyBaseURL, metadata.demoBaseURL];
    for (const base of bases) {
      const response = await request.post(`${base}/login`, {
        form: { email: `${role}@e2e.test`, password: E2E_PASSWORD, next: '/' },
        headers: { origin: base },
        maxRedirects: 0,
      });
      expect(response.status(), `signing in to ${base}`).toBe(303);
      expect(response.headers()['location']).toBe('/');
    }
    await request.storageState({ path: state });
  });
}
