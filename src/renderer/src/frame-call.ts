// A call made at an animation frame, no sooner than a given delay: what the trace store's
// publish and the swimlanes' redraw both need. A delay of several frames is waited out on a
// timer, then the frame: a frame asked for only to find it is not time yet still costs the
// page a frame's work (a big trace being read in waits half a second between publishes).

/** One 60 Hz frame (ms). */
export const FRAME_MS = 16.7

export class FrameCall {
  private frame = 0
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly fn: (ts: number) => void) {}

  /** True while a call is asked for, at a frame or after a timed wait. */
  get pending(): boolean {
    return this.frame !== 0 || this.timer !== null
  }

  /** True while a call waits out its delay on a timer. */
  get waiting(): boolean {
    return this.timer !== null
  }

  /** Asks for the call at the first frame `delayMs` from now (replacing any asked for). */
  request(delayMs = 0): void {
    this.cancel()
    if (delayMs > 2 * FRAME_MS)
      this.timer = setTimeout(() => {
        this.timer = null
        this.frame = requestAnimationFrame(this.run)
      }, delayMs - FRAME_MS)
    else this.frame = requestAnimationFrame(this.run)
  }

  cancel(): void {
    if (this.frame) cancelAnimationFrame(this.frame)
    this.frame = 0
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private readonly run = (ts: number): void => {
    this.frame = 0
    this.fn(ts)
  }
}
