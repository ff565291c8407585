import { describe, expect, it } from 'vitest'
import { isAllowedExternalUrl } from '../../src/main/external-links'
import { HELP_LINKS } from '../../src/main/menu-template'

describe('links handed to the OS browser', () => {
  it('allows the https links the app itself shows', () => {
    for (const url of Object.values(HELP_LINKS)) expect(isAllowedExternalUrl(url)).toBe(true)
  })

  it('refuses other schemes, hosts, look-alikes, ports and credentials', () => {
    for (const url of [
      'http://docs.python.org/3/',
      'file:///etc/passwd',
      'smb://docs.python.org/x',
      'javascript:alert(1)',
      'https://docs.python.org.evil.com/',
      'https://evil.com/?https://docs.python.org/',
      'https://docs.python.org:8443/',
      'https://user:pw@github.com/',
      'not a url'
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false)
    }
  })
})
