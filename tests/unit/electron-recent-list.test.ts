import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RecentList, sanitizeRecent } from '../../src/main/recent-list'

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loopscope-recent-'))
  file = join(dir, 'sub', 'recent.json')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function clock(start = 1000) {
  let t = start
  return () => t++
}

describe('recent files', () => {
  it('remembers scripts and traces newest first across launches', () => {
    const now = clock()
    const a = new RecentList(file, 12, now, () => true)
    a.add('script', '/p/one.py')
    a.add('trace', '/p/run.ndjson')
    a.add('script', '/p/two.py')
    const b = new RecentList(file, 12, now, () => true)
    expect(b.list().map((e) => e.path)).toEqual(['/p/two.py', '/p/run.ndjson', '/p/one.py'])
  })

  it('moves a reopened file to the top instead of listing it twice', () => {
    const r = new RecentList(file, 12, clock(), () => true)
    r.add('script', '/p/one.py')
    r.add('script', '/p/two.py')
    r.add('script', '/p/one.py')
    expect(r.list().map((e) => e.path)).toEqual(['/p/one.py', '/p/two.py'])
  })

  it('keeps at most its limit', () => {
    const r = new RecentList(file, 3, clock(), () => true)
    for (let i = 0; i < 5; i++) r.add('script', `/p/${i}.py`)
    expect(r.list().map((e) => e.path)).toEqual(['/p/4.py', '/p/3.py', '/p/2.py'])
  })

  it('ignores relative paths', () => {
    const r = new RecentList(file, 12, clock(), () => true)
    r.add('script', 'rel.py')
    expect(r.list()).toEqual([])
  })

  it('survives a corrupt file by starting empty, and writes a valid one on the next change', () => {
    writeFileSync(join(dir, 'bad.json'), '{not json')
    const r = new RecentList(join(dir, 'bad.json'), 12, clock(), () => true)
    expect(r.list()).toEqual([])
    r.add('trace', '/t.ndjson')
    expect(JSON.parse(readFileSync(join(dir, 'bad.json'), 'utf8'))).toEqual([
      { kind: 'trace', path: '/t.ndjson', at: 1000 }
    ])
  })

  it('drops malformed and duplicate entries of a hand-edited file', () => {
    const raw = [
      { kind: 'script', path: '/ok.py', at: 5 },
      { kind: 'script', path: '/ok.py', at: 3 },
      { kind: 'movie', path: '/x.mp4', at: 4 },
      { kind: 'script', path: 'relative.py', at: 4 },
      { kind: 'script', path: '/nan.py', at: Number.NaN },
      { kind: 'trace', path: '/t.ndjson', at: 9 },
      'junk',
      null
    ]
    expect(sanitizeRecent(raw)).toEqual([
      { kind: 'trace', path: '/t.ndjson', at: 9 },
      { kind: 'script', path: '/ok.py', at: 5 }
    ])
    expect(sanitizeRecent({ not: 'a list' })).toEqual([])
  })

  it('forgets a removed entry and everything on clear', () => {
    const r = new RecentList(file, 12, clock(), () => true)
    r.add('script', '/a.py')
    r.add('trace', '/a.py')
    r.remove('script', '/a.py')
    expect(r.list()).toEqual([{ kind: 'trace', path: '/a.py', at: 1001 }])
    r.clear()
    expect(new RecentList(file, 12, Date.now, () => true).list()).toEqual([])
  })
})
