/**
 * A base URL may carry credentials as user-info (`https://user:KEY@host`): they are never shown.
 * Every URL the client puts in an error or a log line goes through `stripUserInfo`, and the
 * project masks `userInfoSecrets` wherever the API key is masked.
 */

/** `url` without its `user:password@` part; unchanged when it has none or does not parse. */
export function stripUserInfo(url: string): string {
  const parsed = parseUrl(url);
  if (!parsed || (!parsed.username && !parsed.password)) return url;
  parsed.username = '';
  parsed.password = '';
  // URL adds a `/` to a bare origin: keep the text as given otherwise.
  return url.endsWith('/') || parsed.pathname !== '/' ? parsed.href : parsed.href.replace(/\/$/, '');
}

/**
 * The secret in a URL's user-info, as written and decoded: the password, or the user name when it
 * stands alone (`https://KEY@host`). A user name beside a password is not masked: it is often a
 * common word (`user`) that masking would cut out of every path in the log.
 */
export function userInfoSecrets(url: string): string[] {
  const parsed = parseUrl(url);
  const secret = parsed?.password || parsed?.username;
  return secret ? [...new Set([secret, safeDecode(secret)])] : [];
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
