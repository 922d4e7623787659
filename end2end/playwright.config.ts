import { defineConfig, devices } from '@playwright/test';

// Started by scripts/test.sh, which builds the binary and prepares the two
// databases: one with fixture workloads, one empty.
const bin = process.env.PLINTH_BIN ?? '../target/debug/plinth';
const port = Number(process.env.E2E_PORT ?? 3100);
const emptyPort = port + 1;
const demoPort = port + 2;

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

function server(databaseUrl: string | undefined, listenPort: number, command = `${bin} serve`) {
  return {
    command: `${command} --addr 127.0.0.1:${listenPort}`,
    url: `http://127.0.0.1:${listenPort}/readyz`,
    env: { ...process.env, DATABASE_URL: databaseUrl ?? '', RUST_LOG: 'warn' } as Record<string, string>,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
  };
}

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list'], ['json', { outputFile: './playwright-report/results.json' }]],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
  },
  metadata: {
    emptyBaseURL: `http://127.0.0.1:${emptyPort}`,
    demoBaseURL: `http://127.0.0.1:${demoPort}`,
  },
  projects: [
    { name: 'js-off', use: { ...chromium, javaScriptEnabled: false } },
    { name: 'js-on', use: { ...chromium, javaScriptEnabled: true } },
  ],
  webServer: [
    server(process.env.E2E_DATABASE_URL, port),
    server(process.env.E2E_EMPTY_DATABASE_URL, emptyPort),
    // The run command's last step on an empty database: demo, then serve.
    server(process.env.E2E_DEMO_DATABASE_URL, demoPort, 'bash ../scripts/start.sh'),
  ],
});
