#!/usr/bin/env node
// Draws the Loopscope icon (an event loop over three swimlanes) and writes every size the
// platforms want into resources/icons: NxN.png for Linux, icon.ico for Windows, icon.icns
// for macOS. Both containers hold PNG data, which every supported OS version reads.
// Usage: node scripts/make-icons.mjs [outDir]

import { Resvg } from '@resvg/resvg-js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = resolve(process.argv[2] ?? join(root, 'resources', 'icons'))

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#27304a"/>
      <stop offset="1" stop-color="#141926"/>
    </linearGradient>
  </defs>
  <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#bg)"/>
  <g stroke-linecap="round">
    <line x1="236" y1="640" x2="560" y2="640" stroke="#4fc3f7" stroke-width="64"/>
    <line x1="400" y1="748" x2="788" y2="748" stroke="#81c784" stroke-width="64"/>
    <line x1="300" y1="856" x2="520" y2="856" stroke="#ffb74d" stroke-width="64" opacity="0.9"/>
  </g>
  <path d="M 704 380 A 192 192 0 1 1 640 236" fill="none" stroke="#e6edf7" stroke-width="64" stroke-linecap="round"/>
  <path d="M 600 150 L 736 232 L 612 320 Z" fill="#e6edf7"/>
  <circle cx="512" cy="380" r="44" fill="#4fc3f7"/>
</svg>
`

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024]
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
// ICNS element types holding PNG data, by pixel size (retina variants reuse a size).
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512]
]

export function renderPng(size) {
  return new Resvg(ICON_SVG, { fitTo: { mode: 'width', value: size } }).render().asPng()
}

export function makeIco(pngs) {
  const header = Buffer.alloc(6)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2) // 1 = icon
  header.writeUInt16LE(pngs.length, 4)
  const dir = Buffer.alloc(16 * pngs.length)
  let offset = header.length + dir.length
  pngs.forEach(({ size, data }, i) => {
    const e = i * 16
    dir.writeUInt8(size >= 256 ? 0 : size, e) // 0 means 256
    dir.writeUInt8(size >= 256 ? 0 : size, e + 1)
    dir.writeUInt8(0, e + 2) // no palette
    dir.writeUInt8(0, e + 3)
    dir.writeUInt16LE(1, e + 4) // colour planes
    dir.writeUInt16LE(32, e + 6) // bits per pixel
    dir.writeUInt32LE(data.length, e + 8)
    dir.writeUInt32LE(offset, e + 12)
    offset += data.length
  })
  return Buffer.concat([header, dir, ...pngs.map((p) => p.data)])
}

export function makeIcns(pngBySize) {
  const chunks = ICNS_TYPES.map(([type, size]) => {
    const data = pngBySize.get(size)
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(data.length + 8, 4)
    return Buffer.concat([head, data])
  })
  const body = Buffer.concat(chunks)
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(body.length + 8, 4)
  return Buffer.concat([head, body])
}

function main() {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'icon.svg'), ICON_SVG)
  const pngBySize = new Map()
  for (const size of PNG_SIZES) {
    const data = renderPng(size)
    pngBySize.set(size, data)
    writeFileSync(join(outDir, `${size}x${size}.png`), data)
  }
  writeFileSync(join(outDir, 'icon.png'), pngBySize.get(512))
  writeFileSync(
    join(outDir, 'icon.ico'),
    makeIco(ICO_SIZES.map((size) => ({ size, data: pngBySize.get(size) })))
  )
  writeFileSync(join(outDir, 'icon.icns'), makeIcns(pngBySize))
  console.log(
    `icons written to ${outDir}: ${PNG_SIZES.map((s) => `${s}x${s}`).join(' ')}, icon.png, icon.ico, icon.icns`
  )
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
