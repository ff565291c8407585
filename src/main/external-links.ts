// The only URLs the app hands to the OS browser: https, on hosts we link to ourselves.
// Anything else (file:, custom schemes, http, look-alike hosts, embedded credentials)
// could launch a local program or phish, so it is refused.

export const EXTERNAL_HOSTS: readonly string[] = ['docs.python.org', 'github.com']

export function isAllowedExternalUrl(raw: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  return (
    url.protocol === 'https:' &&
    url.username === '' &&
    url.password === '' &&
    url.port === '' &&
    hosts.includes(url.hostname)
  )
}
