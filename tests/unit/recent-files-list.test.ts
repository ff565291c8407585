import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RecentList, recentFilePath, sanitizeRecent } from '../../src/host/recent-files'

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loopscope-recent-host-'))
  file = recentFilePath(join(dir, 'data'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function clock(start = 1000) {
  let t = start
  return () => t++
}

/** Real files, so pruning of missing ones has something to keep. */
function touch(name: string): string {
  const p = join(dir, name)
  writeFileSync(p, '')
  return p
}

describe('recent files', () => {
  it('list scripts and traces most recent first, across instances', () => {
    const [one, run, two] = [touch('one.py'), touch('run.ndjson'), touch('two.py')]
    const now = clock()
    const a = new RecentList(file, 12, now)
    a.add('script', one)
    a.add('trace', run)
    a.add('script', two)
    expect(new RecentList(file, 12, now).list().map((e) => e.path)).toEqual([two, run, one])
    expect(a.list('script').map((e) => e.path)).toEqual([two, one])
    expect(a.list('trace').map((e) => e.path)).toEqual([run])
  })

  it('move a reopened file to the top instead of listing it twice', () => {
    const [one, two] = [touch('one.py'), touch('two.py')]
    const r = new RecentList(file, 12, clock())
    r.add('script', one)
    r.add('script', two)
    r.add('script', one)
    expect(r.list().map((e) => e.path)).toEqual([one, two])
  })

  it('keep at most the cap', () => {
    const r = new RecentList(file, 3, clock())
    const paths = [0, 1, 2, 3, 4].map((i) => touch(`${i}.py`))
    for (const p of paths) r.add('script', p)
    expect(r.list().map((e) => e.path)).toEqual([paths[4], paths[3], paths[2]])
  })

  it('drop files that no longer exist when read, on disk too', () => {
    const [keep, gone] = [touch('keep.py'), touch('gone.py')]
    const r = new RecentList(file, 12, clock())
    r.add('script', keep)
    r.add('script', gone)
    unlinkSync(gone)
    expect(r.list().map((e) => e.path)).toEqual([keep])
    expect(JSON.parse(readFileSync(file, 'utf8')).map((e: { path: string }) => e.path)).toEqual([keep])
  })

  it('see what another process added instead of writing it away', () => {
    const [mine, theirs] = [touch('mine.py'), touch('theirs.ndjson')]
    const now = clock()
    const electron = new RecentList(file, 12, now)
    const web = new RecentList(file, 12, now)
    electron.add('script', mine)
    web.add('trace', theirs)
    expect(electron.list().map((e) => e.path)).toEqual([theirs, mine])
  })

  it('ignore relative paths and survive a corrupt file', () => {
    const r = new RecentList(file, 12, clock(), () => true)
    r.add('script', 'rel.py')
    expect(r.list()).toEqual([])
    mkdirSync(join(dir, 'data'))
    writeFileSync(file, '{not json')
    expect(r.list()).toEqual([])
    r.add('trace', '/t.ndjson')
    expect(r.list()).toEqual([{ kind: 'trace', path: '/t.ndjson', at: 1000 }])
  })

  it('keep the newest copy of a duplicated entry in a hand-edited file', () => {
    expect(
      sanitizeRecent([
        { kind: 'script', path: '/ok.py', at: 3 },
        { kind: 'script', path: '/ok.py', at: 5 },
        { kind: 'movie', path: '/x.mp4', at: 4 },
        { kind: 'script', path: 'relative.py', at: 4 },
        { kind: 'trace', path: '/t.ndjson', at: 9 },
        { kind: 'script', path: '/ok.py', at: 1 },
        null
      ])
    ).toEqual([
      { kind: 'trace', path: '/t.ndjson', at: 9 },
      { kind: 'script', path: '/ok.py', at: 5 }
    ])
  })

  it('forget a removed entry and everything on clear', () => {
    const a = touch('a.py')
    const r = new RecentList(file, 12, clock())
    r.add('script', a)
    r.add('trace', a)
    r.remove('script', a)
    expect(r.list()).toEqual([{ kind: 'trace', path: a, at: 1001 }])
    r.clear()
    expect(r.list()).toEqual([])
  })
})
