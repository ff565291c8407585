// Which IPC senders may call the host: only the main frame of our own window, showing our
// own renderer. A subframe, another window, or a page navigated elsewhere is refused, so a
// script that ended up in the renderer cannot drive the debugger (which runs programs).

export interface SenderFacts {
  webContentsId: number
  /** URL of the frame that sent the message; null when the frame is gone. */
  frameUrl: string | null
  isMainFrame: boolean
}

export interface TrustedRenderer {
  webContentsId: number
  /** The URL our window loads: file:///…/out/renderer/index.html or the dev server's. */
  rendererUrl: string
}

export type Verdict = { ok: true } | { ok: false; reason: string }

export function checkSender(facts: SenderFacts, trusted: TrustedRenderer | null): Verdict {
  if (trusted === null) return { ok: false, reason: 'no window is open' }
  if (facts.webContentsId !== trusted.webContentsId) return { ok: false, reason: 'sender is not our window' }
  if (!facts.isMainFrame) return { ok: false, reason: 'sender is not the main frame' }
  if (facts.frameUrl === null) return { ok: false, reason: 'sender frame is gone' }
  if (!isRendererUrl(facts.frameUrl, trusted.rendererUrl)) {
    return { ok: false, reason: `sender frame shows ${describeUrl(facts.frameUrl)}` }
  }
  return { ok: true }
}

/** The renderer's own document: same file for file: URLs, same origin for the dev server. */
export function isRendererUrl(candidate: string, rendererUrl: string): boolean {
  const a = parseUrl(candidate)
  const b = parseUrl(rendererUrl)
  if (a === null || b === null || a.protocol !== b.protocol) return false
  if (b.protocol === 'file:') return a.host === b.host && a.pathname === b.pathname
  if (b.protocol === 'http:' || b.protocol === 'https:') return a.origin === b.origin
  return false
}

function parseUrl(s: string): URL | null {
  try {
    return new URL(s)
  } catch {
    return null
  }
}

// Logged, so keep it short and free of query strings that could carry anything.
function describeUrl(s: string): string {
  const u = parseUrl(s)
  if (u === null) return 'an unparsable URL'
  return u.protocol === 'file:' ? `file ${u.pathname}` : u.origin
}
