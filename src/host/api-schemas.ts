// Parameter schemas for every LoopscopeApi call. Calls arrive from a renderer (or, through
// the web host, from a browser), so each payload is checked before any of it is used.

import { z } from 'zod'
import type { ApiMethod } from '@shared/api'
import { runConfigInputSchema } from './run-configs'
import { settingsPatchSchema } from './settings'

const path = z.string().min(1).max(4096)
const MAX_STDIN_CHARS = 1024 * 1024

const runRequest = z
  .object({
    script: path,
    args: z.array(z.string().max(65536)).max(1000).optional(),
    cwd: path.optional(),
    python: path.optional(),
    env: z.record(z.string().min(1).max(1024), z.string().max(65536)).optional(),
    pauseAtStart: z.boolean().optional(),
    compat: z.boolean().optional()
  })
  .strict()

const breakpoints = z
  .object({
    taskStep: z.array(z.string().max(1024)).max(1000).optional(),
    taskFailed: z.boolean().optional(),
    taskCancelled: z.boolean().optional(),
    timerFires: z.boolean().optional(),
    blockedMs: z.number().nonnegative().max(3_600_000).nullable().optional(),
    fdReady: z.boolean().optional()
  })
  .strict()

const none = z.tuple([])
/** An optional loop id: stepping one loop of several. */
const loopArg = z.tuple([z.number().int().positive().nullable().optional()])

export const API_PARAM_SCHEMAS = {
  getInfo: none,
  pickScript: none,
  run: z.tuple([runRequest]),
  stop: none,
  pause: loopArg,
  resume: loopArg,
  stepTick: loopArg,
  stepCallback: loopArg,
  setBreakpoints: z.tuple([breakpoints]),
  writeStdin: z.tuple([z.string().max(MAX_STDIN_CHARS)]),
  closeStdin: none,
  interrupt: none,
  saveFile: z.tuple([
    z
      .string()
      .min(1)
      .max(255)
      .refine((n) => !/[/\\\0]/.test(n) && n !== '.' && n !== '..', 'a file name without folders'),
    z.string().min(1).max(255),
    z
      .string()
      .max(64 * 1024 * 1024)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64')
  ]),
  openTrace: z.tuple([path]),
  exportTrace: z.tuple([z.number().int().positive(), z.enum(['ndjson', 'chrome'])]),
  keepTrace: z.tuple([z.number().int().positive(), z.boolean()]),
  getSettings: none,
  updateSettings: z.tuple([settingsPatchSchema]),
  listInterpreters: z.tuple([path.nullable(), path.nullable().optional()]),
  pickPython: none,
  getRunConfig: z.tuple([path]),
  saveRunConfig: z.tuple([runConfigInputSchema]),
  getRecent: none,
  clearRecent: none
} satisfies Record<ApiMethod, z.ZodType>
