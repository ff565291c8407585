import { describe, expect, it } from 'vitest'
import { documentKind, launchFromAdditionalData, parseLaunchArgs } from '../../src/main/launch-args'

const packaged = { defaultApp: false, cwd: '/home/me/proj' }
const dev = { defaultApp: true, cwd: '/home/me/proj' }

describe('shell launch arguments', () => {
  it('opens nothing when launched without a script', () => {
    expect(parseLaunchArgs(['/opt/Loopscope/loopscope'], packaged)).toEqual({
      script: null,
      args: [],
      autoRun: false,
      python: null
    })
  })

  it('resolves a relative script against the launching shell and passes its arguments', () => {
    expect(parseLaunchArgs(['loopscope', 'demo.py', 'a', '-v'], packaged)).toEqual({
      script: '/home/me/proj/demo.py',
      args: ['a', '-v'],
      autoRun: false,
      python: null
    })
  })

  it('takes a trailing --run as the request to start at once', () => {
    const r = parseLaunchArgs(['loopscope', '/x/demo.py', 'a', '--run'], packaged)
    expect(r).toMatchObject({ script: '/x/demo.py', args: ['a'], autoRun: true })
  })

  it('accepts --run and --python before the script', () => {
    const r = parseLaunchArgs(['loopscope', '--run', '--python', '.venv/bin/python', 's.py'], packaged)
    expect(r).toEqual({
      script: '/home/me/proj/s.py',
      args: [],
      autoRun: true,
      python: '/home/me/proj/.venv/bin/python'
    })
    expect(parseLaunchArgs(['loopscope', '--python=python3.12', 's.py'], packaged).python).toBe('python3.12')
  })

  it('takes --pause-at-start before the script as the request to start every run held', () => {
    const r = parseLaunchArgs(['loopscope', '--pause-at-start', '--run', 's.py', 'x'], packaged)
    expect(r).toMatchObject({ script: '/home/me/proj/s.py', args: ['x'], autoRun: true, pauseAtStart: true })
    expect(parseLaunchArgs(['loopscope', 's.py', '--pause-at-start'], packaged)).toMatchObject({
      args: ['--pause-at-start']
    })
  })

  it('passes --run to the script when the user ends our options with --', () => {
    const r = parseLaunchArgs(['loopscope', 's.py', '--', 'x', '--run'], packaged)
    expect(r).toMatchObject({ args: ['x', '--run'], autoRun: false })
  })

  it('skips the app path and Chromium switches of a development launch', () => {
    const argv = [
      '/usr/bin/electron',
      '--inspect=0',
      '--remote-debugging-port=0',
      '/repo/out/main/index.js',
      'ex.py',
      '--run'
    ]
    expect(parseLaunchArgs(argv, dev)).toEqual({
      script: '/home/me/proj/ex.py',
      args: [],
      autoRun: true,
      python: null
    })
  })

  it('ignores Chromium switches before the script in a packaged launch', () => {
    expect(parseLaunchArgs(['loopscope', '--no-sandbox', '-psn_0_1234', 's.py'], packaged).script).toBe(
      '/home/me/proj/s.py'
    )
  })

  it('accepts a second launch request only when it is well formed', () => {
    const good = { script: '/a/b.py', args: ['1'], autoRun: true, python: null }
    expect(launchFromAdditionalData(good)).toEqual(good)
    expect(launchFromAdditionalData({ ...good, script: 'relative.py' })).toBeNull()
    expect(launchFromAdditionalData({ ...good, args: [1] })).toBeNull()
    expect(launchFromAdditionalData({ ...good, autoRun: 'yes' })).toBeNull()
    expect(launchFromAdditionalData(null)).toBeNull()
    expect(launchFromAdditionalData({})).toBeNull()
  })

  it('opens saved traces as traces and everything else as scripts', () => {
    expect(documentKind('/t/run.ndjson')).toBe('trace')
    expect(documentKind('/t/RUN.JSONL')).toBe('trace')
    expect(documentKind('/t/main.py')).toBe('script')
  })
})
