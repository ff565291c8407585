import { describe, expect, it } from 'vitest'
import { parseArgs, UsageError, type OptionSpec } from '../../src/cli/args'

const specs: OptionSpec[] = [
  { name: 'output', short: 'o', value: 'FILE', help: '' },
  { name: 'module', short: 'm', value: 'MODULE', help: '', endsOptions: true },
  { name: 'pause-at-start', help: '' }
]

describe('command-line arguments', () => {
  it('stops at the script: what follows belongs to the program', () => {
    expect(parseArgs(['-o', 't.ndjson', 'app.py', '--verbose', '-o', 'x'], specs)).toEqual({
      options: { output: 't.ndjson' },
      positionals: ['app.py', '--verbose', '-o', 'x']
    })
  })

  it('takes --name=value and a -- separator', () => {
    expect(parseArgs(['--output=a', '--pause-at-start', '--', '-weird.py'], specs)).toEqual({
      options: { output: 'a', 'pause-at-start': true },
      positionals: ['-weird.py']
    })
  })

  it('ends options at -m MODULE as python does', () => {
    expect(parseArgs(['-m', 'pkg.mod', '--flag'], specs)).toEqual({
      options: { module: 'pkg.mod' },
      positionals: ['--flag']
    })
  })

  it('refuses unknown options, missing values and values on flags', () => {
    expect(() => parseArgs(['--nope'], specs)).toThrow(UsageError)
    expect(() => parseArgs(['-o'], specs)).toThrow(/needs a value/)
    expect(() => parseArgs(['--pause-at-start=1'], specs)).toThrow(/takes no value/)
  })
})
