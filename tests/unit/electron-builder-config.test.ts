// electron-builder cannot run here (it downloads Electron), so this reads its configuration
// and checks what a packaging machine would otherwise discover only at the end of a build.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(__dirname, '../..')
const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8'))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).equals(PNG_MAGIC)).toBe(true)
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) }
}

describe('packaging configuration (electron-builder.json)', () => {
  it('is the only electron-builder configuration, so nothing shadows it', () => {
    for (const other of [
      'electron-builder.yml',
      'electron-builder.yaml',
      'electron-builder.json5',
      'electron-builder.toml'
    ]) {
      expect(existsSync(join(root, other)), other).toBe(false)
    }
    expect(pkg.build).toBeUndefined()
  })

  it('builds AppImage and deb on Linux, dmg on macOS, nsis on Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.mac.target).toEqual(['dmg'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/)
    expect(config.productName).toBe('Loopscope')
  })

  it('packs the built app, including the entry point package.json names', () => {
    expect(config.files).toContain('out/**/*')
    expect(config.files).toContain('package.json')
    expect(pkg.main).toBe('out/main/index.js')
    expect(config.asar).toBe(true)
  })

  it('ships the agent, the examples and the icons as real files in resources/resources', () => {
    // src/main/paths.ts reads them from process.resourcesPath/resources when packaged.
    const paths = readFileSync(join(root, 'src/main/paths.ts'), 'utf8')
    expect(paths).toContain("join(process.resourcesPath, 'resources')")
    const extra = config.extraResources as { from: string; to: string; filter: string[] }[]
    const entry = extra.find((e) => e.from === 'resources')
    expect(entry).toMatchObject({ to: 'resources' })
    for (const dir of ['agent', 'examples', 'icons']) {
      expect(entry!.filter).toContain(`${dir}/**/*`)
      expect(existsSync(join(root, 'resources', dir)), `resources/${dir}`).toBe(true)
    }
    expect(entry!.filter).toContain('!**/__pycache__/**')
  })

  it('sets the Electron fuses that close the node-side back doors', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      // The window loads out/renderer/index.html from file:// (module scripts need it).
      grantFileProtocolExtraPrivileges: true
    })
  })

  it('writes its output where git ignores it', () => {
    const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n')
    expect(ignored).toContain(`${config.directories.output}/`)
  })

  it('names Linux icons for every size desktops ask for, each really that size', () => {
    const dir = join(root, config.linux.icon)
    const sizes = readdirSync(dir)
      .map((f) => /^(\d+)x(\d+)\.png$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
    for (const s of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) expect(sizes).toContain(s)
    for (const s of sizes)
      expect(pngSize(readFileSync(join(dir, `${s}x${s}.png`)))).toEqual({ width: s, height: s })
  })

  it('gives Windows an .ico whose directory points at real PNG images up to 256 px', () => {
    const ico = readFileSync(join(root, config.win.icon))
    expect(ico.readUInt16LE(0)).toBe(0)
    expect(ico.readUInt16LE(2)).toBe(1)
    const count = ico.readUInt16LE(4)
    const sizes: number[] = []
    for (let i = 0; i < count; i++) {
      const e = 6 + i * 16
      const size = ico.readUInt8(e) || 256
      const length = ico.readUInt32LE(e + 8)
      const offset = ico.readUInt32LE(e + 12)
      expect(offset + length).toBeLessThanOrEqual(ico.length)
      expect(pngSize(ico.subarray(offset, offset + length))).toEqual({ width: size, height: size })
      sizes.push(size)
    }
    expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 256]))
  })

  it('gives macOS an .icns whose elements are PNG images of the sizes their types declare', () => {
    const icns = readFileSync(join(root, config.mac.icon))
    expect(icns.toString('ascii', 0, 4)).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const want: Record<string, number> = { icp4: 16, icp5: 32, ic07: 128, ic08: 256, ic09: 512, ic10: 1024 }
    const seen: Record<string, number> = {}
    for (let at = 8; at < icns.length;) {
      const type = icns.toString('ascii', at, at + 4)
      const length = icns.readUInt32BE(at + 4)
      expect(length).toBeGreaterThan(8)
      seen[type] = pngSize(icns.subarray(at + 8, at + length)).width
      at += length
    }
    expect(seen).toMatchObject(want)
  })
})
