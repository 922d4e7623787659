import { defineConfig, devices } from '@playwright/test';

// Started by scripts/test.sh, which builds the binary and prepares the two
// databases: one with fixture workloads, one empty.
const bin = process.env.PLINTH_BIN ?? '../target/debug/plinth';
const port = Number(process.env.E2E_PORT ?? 3100);
const emptyPort = port + 1;
const demoPort = port + 2;
// Each server on its own loopback address: cookies are kept per host, not
// per port, so three servers on one host would share one session cookie.
const mainHost = '127.0.0.1';
const emptyHost = '127.0.0.2';
const demoHost = '127.0.0.3';

// Debian's Chromium, headless; never a downloaded browser. Without the
// background-networking flags it tries to reach Google on a closed network.
const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  },
};

function server(databaseUrl: string | undefined, host: string, listenPort: number, command = `${bin} serve`) {
  return {
    command: `${command} --addr ${host}:${listenPort}`,
    url: `http://${host}:${listenPort}/readyz`,
    env: { ...process.env, DATABASE_URL: databaseUrl ?? '', RUST_LOG: 'warn' } as Record<string, string>,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
  };
}

// scripts/test.sh adds these users to every server's database.
export const adminState = './test-results/.auth/admin.json';
export const viewerState = './test-results/.auth/viewer.json';

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list'], ['json', { outputFile: './playwright-report/results.json' }]],
  outputDir: './test-results',
  use: {
    baseURL: `http://${mainHost}:${port}`,
    trace: 'retain-on-failure',
  },
  metadata: {
    emptyBaseURL: `http://${emptyHost}:${emptyPort}`,
    demoBaseURL: `http://${demoHost}:${demoPort}`,
  },
  projects: [
    // Signs in to every server once per role and keeps the cookies.
    { name: 'sign-in', testMatch: /sign-in\.setup\.ts/ },
    {
      name: 'js-off',
      use: { ...chromium, javaScriptEnabled: false, storageState: adminState },
      dependencies: ['sign-in'],
    },
    {
      name: 'js-on',
      use: { ...chromium, javaScriptEnabled: true, storageState: adminState },
      dependencies: ['sign-in'],
    },
  ],
  webServer: [
    server(process.env.E2E_DATABASE_URL, mainHost, port),
    server(process.env.E2E_EMPTY_DATABASE_URL, emptyHost, emptyPort),
    // The run command's last step on an empty database: demo, then serve.
    server(process.env.E2E_DEMO_DATABASE_URL, demoHost, demoPort, 'bash ../scripts/start.sh'),
  ],
});
