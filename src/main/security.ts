// Electron's security checklist, applied once for the whole app: a CSP header, every
// permission denied, no new windows, no navigation, no <webview>, and the OS browser only
// for allow-listed https links.

import { app, session, shell, type Session } from 'electron'
import { isAllowedExternalUrl } from './external-links'

export function openExternalSafely(url: string, log: (m: string) => void): void {
  if (isAllowedExternalUrl(url)) {
    void shell.openExternal(url)
  } else {
    log(`refused to open external URL ${url.slice(0, 200)}`)
  }
}

export function hardenSession(ses: Session = session.defaultSession): void {
  // Headers reach http(s) pages (the dev server); the built file:// page carries the same
  // policy in a <meta> tag, since file:// responses have no headers to change.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        // 'unsafe-inline' for styles only: Vue and ECharts set element styles. Kept a literal
        // here so Electronegativity can read and evaluate it in the built code.
        'Content-Security-Policy': [
          "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'"
        ]
      }
    })
  })
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  ses.setDevicePermissionHandler(() => false)
}

export function hardenAllWebContents(log: (m: string) => void): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      openExternalSafely(url, log)
      return { action: 'deny' }
    })
    contents.on('will-navigate', (event, url) => {
      event.preventDefault()
      openExternalSafely(url, log)
    })
    contents.on('will-redirect', (event) => event.preventDefault())
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}
