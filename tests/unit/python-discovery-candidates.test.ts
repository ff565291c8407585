import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkInterpreter,
  discoverInterpreters,
  findProjectRoot,
  findPythonWithModule,
  parsePythonVersion,
  pythonsOnPath
} from '../../src/host/python-discovery'

const PYENV = '/root/.pyenv/versions'
const real = (v: string) => join(PYENV, v, 'bin', 'python3')
const PY311 = real('3.11.7')
const PY38 = real('3.8.18')
const PY37 = real('3.7.16')
const PY27 = join(PYENV, '2.7.18', 'bin', 'python')
const havePyenv = [PY311, PY38, PY37, PY27].every((p) => existsSync(p))

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'loopscope-pydisc-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

let n = 0
function folder(...parts: string[]): string {
  const d = join(root, `case${n++}`, ...parts)
  mkdirSync(d, { recursive: true })
  return d
}

function exe(path: string, body: string): string {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

/** A venv whose python is a link to a real interpreter, as `python -m venv` makes it. */
function venv(dir: string, target: string): string {
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  symlinkSync(target, join(bin, 'python'))
  return join(bin, 'python')
}

/** A PATH holding only the given executables, so the machine's own pythons do not leak in. */
function pathWith(entries: Record<string, string>): string {
  const bin = folder('pathbin')
  for (const [name, target] of Object.entries(entries)) symlinkSync(target, join(bin, name))
  return bin
}

describe('python version parsing', () => {
  it('reads final, pre-release and two-part versions and rejects other output', () => {
    expect(parsePythonVersion('Python 3.11.7\n')).toEqual({ version: '3.11.7', major: 3, minor: 11 })
    expect(parsePythonVersion('Python 3.13.0rc2')).toEqual({ version: '3.13.0rc2', major: 3, minor: 13 })
    expect(parsePythonVersion('Python 3.8')).toEqual({ version: '3.8', major: 3, minor: 8 })
    expect(parsePythonVersion('command not found')).toBeNull()
  })
})

describe('project root', () => {
  it('is the nearest folder upwards holding pyproject.toml, setup.py or .git', () => {
    const proj = folder('proj')
    const deep = join(proj, 'src', 'pkg')
    mkdirSync(deep, { recursive: true })
    writeFileSync(join(proj, 'setup.py'), '')
    expect(findProjectRoot(deep)).toBe(proj)
    mkdirSync(join(proj, 'src', '.git'))
    expect(findProjectRoot(deep)).toBe(join(proj, 'src'))
  })
})

describe.skipIf(!havePyenv)('interpreter discovery with real interpreters', () => {
  it('lists the venv next to the script first, then the project root venv, VIRTUAL_ENV and PATH, each with its version', async () => {
    const proj = folder('proj')
    writeFileSync(join(proj, 'pyproject.toml'), '[project]\nname = "x"\n')
    const scriptDir = join(proj, 'app')
    const script = join(scriptDir, 'main.py')
    mkdirSync(scriptDir)
    writeFileSync(script, 'print(1)\n')
    const local = venv(join(scriptDir, '.venv'), PY38)
    const atRoot = venv(join(proj, 'venv'), real('3.12.1'))
    const active = folder('active-env')
    const activePy = venv(active, real('3.10.13'))
    const PATH = pathWith({ python3: PY311, python: real('3.9.18') })

    const d = await discoverInterpreters({ script, env: { PATH, VIRTUAL_ENV: active } })
    expect(d.interpreters.map((i) => [i.source, i.path, i.version, i.usable])).toEqual([
      ['script-venv', local, '3.8.18', true],
      ['project-venv', atRoot, '3.12.1', true],
      ['virtual-env', activePy, '3.10.13', true],
      ['path', join(PATH, 'python3'), '3.11.7', true],
      ['path', join(PATH, 'python'), '3.9.18', true]
    ])
    expect(d.interpreters[0].label).toBe('.venv next to the script')
    expect(d.interpreters[1].label).toBe(`venv at the project root ${proj}`)
    expect(d.recommended).toBe(local)
    expect(d.message).toBeNull()
  })

  it('puts a chosen interpreter first and recommends it', async () => {
    const script = join(folder('plain'), 's.py')
    writeFileSync(script, '')
    const d = await discoverInterpreters({
      script,
      explicit: real('3.13.0'),
      env: { PATH: pathWith({ python3: PY311 }) }
    })
    expect(d.interpreters[0]).toMatchObject({
      source: 'explicit',
      path: real('3.13.0'),
      version: '3.13.0',
      usable: true
    })
    expect(d.recommended).toBe(real('3.13.0'))
  })

  it('marks a real Python 3.7 as too old, says so, and recommends the next usable one', async () => {
    const script = join(folder('old'), 's.py')
    writeFileSync(script, '')
    venv(join(script, '..', '.venv'), PY37)
    const d = await discoverInterpreters({ script, env: { PATH: pathWith({ python3: PY311 }) } })
    expect(d.interpreters[0]).toMatchObject({ source: 'script-venv', version: '3.7.16', usable: false })
    expect(d.interpreters[0].problem).toBe('is Python 3.7.16; Loopscope needs Python 3.8 or newer.')
    expect(d.recommended).toBe(d.interpreters[1].path)
    expect(d.interpreters[1].version).toBe('3.11.7')
  })

  it('reads the version Python 2 prints on stderr, and refuses it', async () => {
    const r = await checkInterpreter(PY27)
    expect(r).toMatchObject({ version: '2.7.18', usable: false })
    expect(r.problem).toContain('needs Python 3.8 or newer')
  })

  it('says what was tried when nothing usable is found', async () => {
    const script = join(folder('nothing'), 's.py')
    writeFileSync(script, '')
    const PATH = pathWith({ python3: PY37 })
    const d = await discoverInterpreters({ script, env: { PATH } })
    expect(d.recommended).toBeNull()
    expect(d.message).toContain('No usable Python 3.8+ interpreter was found.')
    expect(d.message).toContain(`${join(PATH, 'python3')} is Python 3.7.16`)
    expect(d.message).toContain(join(script, '..', '.venv', 'bin', 'python'))
    expect(d.message).toContain(join(script, '..', 'venv', 'bin', 'python'))
    expect(d.message).toContain('python3 on PATH, python on PATH')
  })
})

describe('interpreter discovery with fake executables', () => {
  it('refuses a fake "Python 3.7.9" with a message naming it and its version', async () => {
    const fake = exe(join(folder('fake'), 'python-old'), 'echo "Python 3.7.9"')
    const d = await discoverInterpreters({ explicit: fake, env: { PATH: '' } })
    expect(d.interpreters).toEqual([
      {
        path: fake,
        source: 'explicit',
        label: 'chosen interpreter',
        version: '3.7.9',
        usable: false,
        problem: 'is Python 3.7.9; Loopscope needs Python 3.8 or newer.'
      }
    ])
    expect(d.message).toBe(
      `The chosen interpreter ${fake} is Python 3.7.9; Loopscope needs Python 3.8 or newer.`
    )
  })

  it('gives up on an interpreter that hangs, within the timeout', async () => {
    // The sleep is not the shell's last command, so it runs as a grandchild holding the pipes.
    const marker = `sleep 30.${process.pid}${Date.now() % 100000}`
    const hung = exe(join(folder('hung'), 'python'), `${marker}\necho "Python 3.11.0"`)
    const started = Date.now()
    const r = await checkInterpreter(hung, { timeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(r).toMatchObject({ usable: false, version: null })
    expect(r.problem).toBe('did not answer `--version` within 0.3 s.')
    // The whole probe is ended, not only the shell: no sleeping grandchild is left behind.
    await new Promise((res) => setTimeout(res, 100))
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(marker))
    expect(left).toEqual([])
  })

  it('explains a program that is not Python, one that fails, one that cannot run, and a folder', async () => {
    const d = folder('odd')
    const notPy = await checkInterpreter(exe(join(d, 'node-ish'), 'echo "v20.1.0"'))
    expect(notPy.problem).toBe('is not a Python interpreter: `--version` printed "v20.1.0".')
    const failing = await checkInterpreter(
      exe(join(d, 'shim'), 'echo "pyenv: python: command not found" >&2; exit 127')
    )
    expect(failing.problem).toBe(
      'failed to run `--version` (exit status 127, printed "pyenv: python: command not found").'
    )
    const noExec = join(d, 'not-executable')
    writeFileSync(noExec, '#!/bin/sh\necho Python 3.11.0\n')
    chmodSync(noExec, 0o644)
    const r = await checkInterpreter(noExec)
    // execve needs an execute bit even for root.
    expect(r.problem).toBe('cannot be run (permission denied).')
    expect((await checkInterpreter(d)).problem).toBe('is a folder, not a program.')
  })

  it('reports a chosen interpreter that does not exist, with what was tried', async () => {
    const script = join(folder('missing'), 's.py')
    writeFileSync(script, '')
    const good = exe(join(folder('goodbin'), 'python3'), 'echo "Python 3.12.4"')
    const d = await discoverInterpreters({
      script,
      explicit: 'envs/py/bin/python',
      env: { PATH: join(good, '..') }
    })
    expect(d.message).toMatch(
      /^The chosen interpreter envs\/py\/bin\/python does not exist\. Tried: the chosen interpreter envs\/py\/bin\/python, /
    )
    // Everything else is still offered, so the person can pick another.
    expect(d.recommended).toBe(good)
    const byName = await discoverInterpreters({ explicit: 'python3.99', env: { PATH: join(good, '..') } })
    expect(byName.message).toMatch(/^The chosen interpreter python3\.99 was not found on PATH\./)
  })

  it('resolves a relative chosen path against the script folder and lists the same file once', async () => {
    const d = folder('rel')
    const script = join(d, 's.py')
    writeFileSync(script, '')
    const py = exe(join(d, '.venv', 'bin', 'python'), 'echo "Python 3.10.2"')
    const r = await discoverInterpreters({ script, explicit: '.venv/bin/python', env: { PATH: '' } })
    expect(r.interpreters.map((i) => [i.source, i.path])).toEqual([['explicit', py]])
    expect(r.recommended).toBe(py)
  })

  it('finds the Windows venv layout when asked for win32', async () => {
    const d = folder('win')
    const script = join(d, 's.py')
    writeFileSync(script, '')
    const py = exe(join(d, '.venv', 'Scripts', 'python.exe'), 'echo "Python 3.12.1"')
    const r = await discoverInterpreters({ script, env: { PATH: '' }, platform: 'win32' })
    expect(r.interpreters.map((i) => [i.source, i.path, i.version])).toEqual([['script-venv', py, '3.12.1']])
  })
})

describe('another interpreter that has a missing module', () => {
  /** A fake interpreter: prints its version; has a module when `has` (exit 0), else exit 3. */
  const fake = (path: string, version: string, has: boolean, record?: string): string =>
    exe(path, `${record ? `echo "$@" > ${record}\n` : ''}echo "Python ${version}"\nexit ${has ? 0 : 3}`)

  it('is the first Python 3.8+ on PATH, other than the one that ran, that can import it', async () => {
    const d = folder('module')
    const ran = fake(join(d, 'a', 'python3'), '3.11.9', false)
    fake(join(d, 'a', 'python3.12'), '3.12.2', false)
    fake(join(d, 'b', 'python3'), '3.7.9', true)
    const seen = join(d, 'args.txt')
    const good = fake(join(d, 'c', 'python3.10'), '3.10.4', true, seen)
    fake(join(d, 'd', 'python3'), '3.13.0', true)
    const env = { PATH: ['a', 'b', 'c', 'd'].map((x) => join(d, x)).join(':') }
    expect(await findPythonWithModule('aiohttp.web', ran, { env })).toEqual({ path: good, version: '3.10.4' })
    // Asked for the top-level package, with find_spec (which imports nothing).
    const args = readFileSync(seen, 'utf8')
    expect(args).toContain('find_spec')
    expect(args.trim().endsWith(' aiohttp')).toBe(true)
    // The one that ran is never the answer, whatever it says.
    const onlyRan = { PATH: join(d, 'a') }
    fake(join(d, 'a', 'python3'), '3.11.9', true)
    expect(await findPythonWithModule('aiohttp', join(d, 'a', 'python3'), { env: onlyRan })).toBeNull()
  })

  it('lists each interpreter file once, in PATH order, and refuses what is not a module name', async () => {
    const d = folder('once')
    const py = fake(join(d, 'x', 'python3.11'), '3.11.1', true)
    mkdirSync(join(d, 'y'))
    symlinkSync(py, join(d, 'y', 'python3'))
    expect(pythonsOnPath({ PATH: `${join(d, 'x')}:${join(d, 'y')}` }, 'linux')).toEqual([py])
    expect(
      await findPythonWithModule('not-a-module', '/nonexistent', { env: { PATH: join(d, 'x') } })
    ).toBeNull()
  })

  it("takes pyenv's shims folder for the interpreters it dispatches to, newest first", () => {
    const d = folder('pyenv')
    exe(join(d, 'shims', 'python3'), 'exec pyenv exec python3 "$@"')
    const old = fake(join(d, 'versions', '3.9.1', 'bin', 'python3'), '3.9.1', true)
    const recent = fake(join(d, 'versions', '3.12.0', 'bin', 'python3'), '3.12.0', true)
    expect(pythonsOnPath({ PATH: join(d, 'shims') }, 'linux')).toEqual([recent, old])
  })
})
