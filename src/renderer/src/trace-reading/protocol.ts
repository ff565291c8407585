// What the page and its trace-reading worker (reader.worker.ts) say to each other.

import type { TraceHeader } from '@shared/trace-types'
import type { EventColumns } from '@shared/trace-model/event-columns'
import type { TraceInput } from './read-here'

/** Page → worker. */
export type ToReader =
  /** Read this trace, `lines` lines a piece; nothing is parsed before a `more`. */
  | { kind: 'open'; source: TraceInput; lines: number }
  /** One more piece may be parsed and sent: the worker stays at most this many ahead. */
  | { kind: 'more' }

/** Worker → page. */
export type FromReader =
  /** A piece's events, parsed and checked by the saved-trace reader's rules, as columns. */
  | {
      kind: 'piece'
      header: TraceHeader | null
      events: EventColumns
      /** The file read when the piece was made, and its size (see PieceSource.progress). */
      read: number
      total: number | null
    }
  /** The trace is read (or could not be: `error`); what the reader found wrong, if anything. */
  | { kind: 'end'; header: TraceHeader | null; message: string | null; error: string | null }
