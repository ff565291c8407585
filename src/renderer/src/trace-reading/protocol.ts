// What the page and its trace-reading worker (reader.worker.ts) say to each other.

import type { PackedModel } from '@shared/trace-model/model-transfer'
import type { BuildResult } from './build-model'

/** Page → worker. */
export type ToReader =
  /**
   * Read this trace into a model, `lines` lines a piece and at most `maxEvents` events;
   * `pushed`: its bytes will come in `bytes` messages (see worker-build.ts).
   */
  | { kind: 'build'; source: { url: string } | { file: Blob } | 'pushed'; lines: number; maxEvents: number }
  /** The next bytes of a pushed trace (`total`: its size, where known). */
  | { kind: 'bytes'; chunk: Uint8Array; total: number | null }
  /** A pushed trace's bytes are all sent (`error`: they could not all be fetched). */
  | { kind: 'bytes-end'; error: string | null }
  /** End now with what has been read. */
  | { kind: 'stop' }

/** Worker → page. */
export type FromReader =
  /** How far the worker has got: the file read and its size, and the events applied. */
  | { kind: 'progress'; read: number; total: number | null; events: number }
  /**
   * Bytes of a pushed trace taken from the worker's queue so far (the page sends more), and
   * the buffer of a chunk the worker has read, for the page to read the next bytes into.
   */
  | { kind: 'taken'; bytes: number; spent?: ArrayBuffer }
  /**
   * The trace is read (or could not be read to its end: `error`), and this is its model;
   * `model` is null where the model could not be handed over (read the file on the page).
   */
  | ({ kind: 'model'; model: PackedModel | null } & Omit<BuildResult, 'model'>)
