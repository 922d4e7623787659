// The users scripts/test.sh adds to every server's database, with this
// password: admin@e2e.test (admin) and viewer@e2e.test (viewer).
export const E2E_PASSWORD = 'e2e password, long enough';
