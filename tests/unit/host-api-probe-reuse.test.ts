import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { apiHarness } from '../fixtures/host-api'
import { scratchDir, writeScript } from '../fixtures/host-helpers'

describe('run again', () => {
  it('does not probe the interpreter on every run, but probes it again once its file changes', async () => {
    const dir = scratchDir()
    const log = join(dir, 'calls.log')
    const python = join(dir, 'python-wrapper')
    // Logs how it was called, then is python3: a probe is any call that is not the agent launch.
    writeFileSync(python, `#!/bin/sh\necho "$*" >> '${log}'\nexec python3 "$@"\n`)
    chmodSync(python, 0o755)
    writeFileSync(log, '')
    const probes = (): number =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l && !l.includes('loopscope_launch.py')).length
    const h = apiHarness({ python })
    const script = writeScript(dir, 'p.py', 'print("hi")\n')
    for (let i = 0; i < 3; i++) await h.exited((await h.run(script)).id)
    expect(probes()).toBe(1)
    expect(h.outputOf(3, 'stdout')).toBe('hi\n')
    appendFileSync(python, '# replaced\n')
    await h.exited((await h.run(script)).id)
    expect(probes()).toBe(2)
    await h.api.dispose()
  })
})
