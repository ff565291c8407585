// The one gate every renderer → host call passes in the Electron shell: sender check,
// payload check, then the host. Free of electron (the shell turns an IPC event into
// SenderFacts), so the gate itself is unit-tested in Node.

import type { ApiMethod } from '../shared/api'
import { checkPayload, MAX_IPC_PAYLOAD_BYTES } from './payload-limit'
import { checkSender, type SenderFacts, type TrustedRenderer } from './sender-policy'

export interface InvokeTarget {
  handle(method: string, params: unknown[]): Promise<unknown>
}

export interface InvokeGuardDeps {
  /** Our window and the URL it shows; null before the window exists or after it closed. */
  trusted(): TrustedRenderer | null
  target: InvokeTarget
  log(message: string): void
  /** Called after a call succeeded (the shell remembers recent files from it). */
  onSuccess?(method: ApiMethod, params: unknown[], result: unknown): void
  maxPayloadBytes?: number
}

/** What the renderer sees for a refused call: no detail, the log has it. */
export const REFUSED_MESSAGE = 'Loopscope refused this call'

// A renderer that misbehaves in a loop must not flood the log either.
const LOG_FIRST = 20
const LOG_EVERY = 1000

export class InvokeGuard {
  private refusals = 0

  constructor(private readonly deps: InvokeGuardDeps) {}

  get refusedCount(): number {
    return this.refusals
  }

  async call(method: ApiMethod, facts: SenderFacts, params: unknown[]): Promise<unknown> {
    const sender = checkSender(facts, this.deps.trusted())
    if (!sender.ok) throw this.refuse(method, sender.reason)
    const payload = checkPayload(params, this.deps.maxPayloadBytes ?? MAX_IPC_PAYLOAD_BYTES)
    if (!payload.ok) throw this.refuse(method, payload.reason)
    const result = await this.deps.target.handle(method, params)
    this.deps.onSuccess?.(method, params, result)
    return result
  }

  private refuse(method: string, reason: string): Error {
    this.refusals++
    if (this.refusals <= LOG_FIRST || this.refusals % LOG_EVERY === 0) {
      this.deps.log(`IPC ${method} refused (${this.refusals} so far): ${reason}`)
    }
    return new Error(REFUSED_MESSAGE)
  }
}
