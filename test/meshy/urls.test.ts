import { describe, expect, it } from 'vitest';
import { stripUserInfo, userInfoSecrets } from '../../src/meshy/urls.js';

describe('credentials in a base URL (issue 10)', () => {
  it('strips user-info from a URL shown, leaving the rest as written', () => {
    expect(stripUserInfo('https://user:msy_KEY@api.example.com')).toBe('https://api.example.com');
    expect(stripUserInfo('https://msy_KEY@api.example.com/base/')).toBe('https://api.example.com/base/');
    expect(stripUserInfo('http://u:p@127.0.0.1:8080/v1')).toBe('http://127.0.0.1:8080/v1');
    expect(stripUserInfo('https://api.meshy.ai')).toBe('https://api.meshy.ai');
    expect(stripUserInfo('not a url')).toBe('not a url');
  });

  it('names the secret to mask: the password, or a user name that stands alone, as written and decoded', () => {
    expect(userInfoSecrets('https://user:msy_KEY@host')).toEqual(['msy_KEY']);
    expect(userInfoSecrets('https://msy%2FKEY@host')).toEqual(['msy%2FKEY', 'msy/KEY']);
    expect(userInfoSecrets('https://host')).toEqual([]);
    expect(userInfoSecrets('::')).toEqual([]);
  });
});
