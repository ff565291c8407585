/* global window, document, requestAnimationFrame, MutationObserver */
// Injected into the page by the renderer benchmark (Playwright addInitScript) before the
// app's own code runs. It changes nothing the app does; it only observes:
// - every animation frame's interval (frame time),
// - every WebSocket message the app handles: when its handlers returned and how many trace
//   events the frame carried (so ingest is timed where the app has taken the events),
// - when a probe name (probe-N) first appears in the DOM, at the next frame (on screen),
// - every change of the status bar's session state (a trace the page reads itself says
//   "Exited" once all its events are in).
;(() => {
  const wall = () => performance.timeOrigin + performance.now()
  const B = (window.__bench = {
    frames: [],
    recording: false,
    handled: 0,
    batches: 0,
    firstHandled: 0,
    lastHandled: 0,
    handlerMs: 0,
    socket: null,
    probes: {},
    watchProbes: false,
    states: [],
    reset() {
      this.frames = []
      this.handled = 0
      this.batches = 0
      this.firstHandled = 0
      this.lastHandled = 0
      this.handlerMs = 0
      this.probes = {}
    }
  })

  let last = 0
  const frame = (ts) => {
    if (B.recording && last) B.frames.push([wall(), ts - last])
    last = ts
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)

  const T_KEY = '"t":'
  const account = (ev, started) => {
    const data = ev.data
    if (typeof data !== 'string' || !data.startsWith('{"push":"batch"')) return
    // Counted with indexOf, not a global regex match: that builds an array of every match,
    // megabytes of work inside the page being measured.
    let n = 0
    for (let i = data.indexOf(T_KEY); i !== -1; i = data.indexOf(T_KEY, i + 4)) n++
    const done = wall()
    B.handled += n
    B.batches++
    B.handlerMs += done - started
    if (!B.firstHandled) B.firstHandled = done
    B.lastHandled = done
  }
  const wrap = (fn) =>
    function (ev) {
      const started = wall()
      const r = typeof fn === 'function' ? fn.call(this, ev) : fn.handleEvent(ev)
      account(ev, started)
      return r
    }
  const Native = window.WebSocket
  class ObservedWebSocket extends Native {
    constructor(...args) {
      super(...args)
      B.socket = this
    }
    addEventListener(type, fn, opts) {
      super.addEventListener(type, type === 'message' && fn ? wrap(fn) : fn, opts)
    }
    set onmessage(fn) {
      super.onmessage = fn ? wrap(fn) : fn
    }
    get onmessage() {
      return super.onmessage
    }
  }
  window.WebSocket = ObservedWebSocket

  const PROBE = /probe-(\d+)/g
  const pending = new Set()
  const scan = (text) => {
    if (!text) return
    for (const m of text.matchAll(PROBE)) if (!(m[1] in B.probes)) pending.add(m[1])
  }
  let lastState = ''
  const observer = new MutationObserver((records) => {
    const state = document.querySelector('[data-testid="session-state"]')?.textContent ?? ''
    if (state !== lastState) {
      lastState = state
      B.states.push([wall(), state])
    }
    if (!B.watchProbes) return
    for (const r of records) {
      if (r.type === 'characterData') scan(r.target.data)
      for (const n of r.addedNodes) scan(n.textContent)
    }
    if (pending.size) {
      const seen = [...pending]
      pending.clear()
      requestAnimationFrame(() => {
        const t = wall()
        for (const s of seen) if (!(s in B.probes)) B.probes[s] = t
      })
    }
  })
  const start = () => observer.observe(document, { subtree: true, childList: true, characterData: true })
  if (document.documentElement) start()
  else document.addEventListener('DOMContentLoaded', start)
})()
