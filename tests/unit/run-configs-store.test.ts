import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunConfigError, RunConfigStore, formatArgs, parseArgs } from '../../src/host/run-configs'

let dir: string
let data: string
let script: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loopscope-runcfg-'))
  data = join(dir, 'data')
  mkdirSync(join(dir, 'proj', 'work'), { recursive: true })
  script = join(dir, 'proj', 'main.py')
  writeFileSync(script, '')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function clock(start = 1000) {
  let t = start
  return () => t++
}

const input = (over: Record<string, unknown> = {}) => ({
  script,
  argsText: '',
  cwd: null,
  env: {},
  python: null,
  ...over
})

describe('argument line splitting', () => {
  it('splits on blanks and keeps quoted spaces, empty quotes and escapes', () => {
    expect(parseArgs('  a  b\tc ')).toEqual(['a', 'b', 'c'])
    expect(parseArgs(`--name "Ada Lovelace" 'it''s' ""`)).toEqual(['--name', 'Ada Lovelace', 'its', ''])
    expect(parseArgs(`"say \\"hi\\"" 'no \\escape' a\\ b`)).toEqual(['say "hi"', 'no \\escape', 'a b'])
    expect(parseArgs(`--x=$HOME '*.py'`)).toEqual(['--x=$HOME', '*.py'])
    expect(parseArgs('')).toEqual([])
  })

  it('splits exactly as a POSIX shell does, without expansion', () => {
    const line = `one "two three" 'four "five"' six\\ seven "a\\\\b" "c\\d" '' x""y`
    const shell = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' })
      .split('\0')
      .slice(0, -1)
    expect(parseArgs(line, 'linux')).toEqual(shell)
  })

  it('treats backslashes as path separators on Windows', () => {
    expect(parseArgs('C:\\Users\\ada\\in.txt "C:\\Program Files\\x"', 'win32')).toEqual([
      'C:\\Users\\ada\\in.txt',
      'C:\\Program Files\\x'
    ])
  })

  it('names the quote that is never closed', () => {
    expect(() => parseArgs(`a 'b c`)).toThrow(/single quote at position 3 is never closed/)
    expect(() => parseArgs(`a "b`)).toThrow(/double quote at position 3 is never closed/)
    expect(() => parseArgs('a\\', 'linux')).toThrow(RunConfigError)
  })

  it('formats any argument list into a line that splits back into it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !s.includes('\0')),
          { maxLength: 8 }
        ),
        (args) => {
          expect(parseArgs(formatArgs(args), 'linux')).toEqual(args)
        }
      )
    )
  })
})

describe('run configurations', () => {
  it('remember each script’s configuration across restarts, keyed by its absolute path', () => {
    const a = new RunConfigStore(data, { now: clock() })
    const saved = a.save(
      input({ argsText: '--port 8080 "a b"', cwd: 'work', env: { DEBUG: '1' }, python: '.venv/bin/python' })
    )
    expect(saved).toEqual({
      script,
      argsText: '--port 8080 "a b"',
      args: ['--port', '8080', 'a b'],
      cwd: join(dir, 'proj', 'work'),
      env: { DEBUG: '1' },
      python: join(dir, 'proj', '.venv', 'bin', 'python'),
      updatedAt: 1000
    })
    const b = new RunConfigStore(data)
    expect(b.get(script)).toEqual(saved)
    expect(b.get(join(dir, 'proj', 'work', '..', 'main.py'))).toEqual(saved)
    expect(b.get(join(dir, 'other.py'))).toBeNull()
    expect(b.notice).toBeNull()
  })

  it('keep a command name as the interpreter and an empty working folder as the script’s own', () => {
    const s = new RunConfigStore(data)
    const saved = s.save(input({ python: ' python3 ', cwd: '  ' }))
    expect(saved.python).toBe('python3')
    expect(saved.cwd).toBeNull()
  })

  it('refuse bad input with a reason for the form, and keep the previous configuration', () => {
    const s = new RunConfigStore(data)
    s.save(input({ argsText: 'ok' }))
    expect(() => s.save(input({ argsText: '"open' }))).toThrow(/double quote at position 1 is never closed/)
    expect(() => s.save(input({ cwd: 'missing-folder' }))).toThrow(
      /Working folder .*missing-folder does not exist/
    )
    expect(() => s.save(input({ cwd: script }))).toThrow(/is not a folder/)
    expect(() => s.save(input({ env: { '1BAD': 'x' } }))).toThrow(/env\.1BAD: a variable name/)
    expect(() => s.save(input({ script: 'relative.py' }))).toThrow(/script: an absolute path/)
    expect(() => s.save(input({ extra: true }))).toThrow(RunConfigError)
    expect(new RunConfigStore(data).get(script)?.args).toEqual(['ok'])
  })

  it('forget the least recently saved scripts past the limit', () => {
    const s = new RunConfigStore(data, { now: clock(), limit: 2 })
    const scripts = ['a.py', 'b.py', 'c.py'].map((n) => join(dir, n))
    for (const p of scripts) s.save(input({ script: p }))
    s.save(input({ script: scripts[1], argsText: 'again' }))
    expect(s.list().map((c) => c.script)).toEqual([scripts[1], scripts[2]])
    expect(s.get(scripts[0])).toBeNull()
  })

  it('forget a removed configuration', () => {
    const s = new RunConfigStore(data)
    s.save(input())
    s.remove(script)
    expect(s.get(script)).toBeNull()
  })

  it('back up an unreadable file and start empty, with a notice', () => {
    mkdirSync(data)
    writeFileSync(join(data, 'run-configs.json'), '{{{')
    const s = new RunConfigStore(data, { now: () => Date.parse('2025-01-02T03:04:05.006Z') })
    expect(s.notice).toContain('could not be read; they were reset')
    expect(s.notice).toContain('run-configs.json.corrupt-2025-01-02T03-04-05-006Z')
    expect(readdirSync(data).sort()).toEqual([
      'run-configs.json',
      'run-configs.json.corrupt-2025-01-02T03-04-05-006Z'
    ])
    expect(s.list()).toEqual([])
  })

  it('drop only the entries that do not validate, keeping a backup of the file', () => {
    const good = { script, argsText: 'x', args: ['x'], cwd: null, env: {}, python: null, updatedAt: 5 }
    const other = join(dir, 'o.py')
    mkdirSync(data)
    const file = join(data, 'run-configs.json')
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        configs: {
          [script]: good,
          [other]: { ...good, script: other, env: { 'A B': 1 } },
          '/elsewhere.py': good
        }
      })
    )
    const s = new RunConfigStore(data)
    expect(s.notice).toContain('had 2 configurations Loopscope cannot use; those were dropped')
    expect(s.list()).toEqual([good])
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).configs)).toEqual([script])
    expect(new RunConfigStore(data).notice).toBeNull()
  })
})
