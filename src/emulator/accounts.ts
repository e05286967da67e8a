import { TEST_MODE_API_KEY } from '../meshy/api.js';

/**
 * What GET /balance shows for the test-mode key. Undocumented: it is a fixed value, the one
 * in the balance docs' example (https://docs.meshy.ai/en/api/balance), since test mode never spends credits.
 */
const TEST_MODE_BALANCE = 1000;

/** Limits and credits are per account, shared by all of its keys (https://docs.meshy.ai/en/api/authentication, https://docs.meshy.ai/en/api/rate-limits). */
export interface Account {
  id: 'account' | 'test-mode';
  testMode: boolean;
  balance: number;
  /** Times of the requests of the last second, oldest first. */
  recentRequests: number[];
}

/** The configured keys share one account; the test-mode key has an account of its own. */
export function createAccounts(apiKeys: readonly string[], balance: number): Map<string, Account> {
  const account: Account = { id: 'account', testMode: false, balance, recentRequests: [] };
  const testMode: Account = { id: 'test-mode', testMode: true, balance: TEST_MODE_BALANCE, recentRequests: [] };
  const accounts = new Map<string, Account>(apiKeys.map((key) => [key, account]));
  accounts.set(TEST_MODE_API_KEY, testMode);
  return accounts;
}

/** The key of `Authorization: Bearer <key>`; the `Bearer ` prefix is mandatory (https://docs.meshy.ai/en/api/authentication). */
export function bearerKey(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * Sliding one-second window of requests per account (https://docs.meshy.ai/en/api/rate-limits). Returns how long to wait when the
 * window is full; rejected requests do not take a slot, so waiting that long is always enough.
 */
export function takeRequestSlot(account: Account, now: number, perSecond: number): { waitMs: number } | undefined {
  const window = account.recentRequests;
  while (window.length > 0 && window[0]! <= now - 1000) window.shift();
  if (window.length >= perSecond) return { waitMs: window[0]! + 1000 - now };
  window.push(now);
  return undefined;
}
