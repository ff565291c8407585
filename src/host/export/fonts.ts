// resvg draws text only with fonts it is given, and ECharts without a canvas lays text out
// with Helvetica/Arial widths (zrender's built-in width table). So Arial-metric fonts come
// first (Liberation Sans is metric-compatible with Arial): legend and label spacing then
// match what resvg draws. Wider fonts (DejaVu) are the fallback.

import { existsSync } from 'node:fs'

interface FontChoice {
  family: string
  files: string[]
}

// Common locations: Debian/Ubuntu (fonts-dejavu, fonts-noto-core, fonts-liberation), Fedora, macOS, Windows.
const CANDIDATES: FontChoice[] = [
  {
    family: 'Liberation Sans',
    files: [
      '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
      '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf'
    ]
  },
  {
    family: 'Arial',
    files: [
      'C:\\Windows\\Fonts\\arial.ttf',
      '/Library/Fonts/Arial.ttf',
      '/System/Library/Fonts/Supplemental/Arial.ttf'
    ]
  },
  { family: 'Helvetica', files: ['/System/Library/Fonts/Helvetica.ttc'] },
  {
    family: 'DejaVu Sans',
    files: [
      '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
      '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf'
    ]
  },
  {
    family: 'Noto Sans',
    files: [
      '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf',
      '/usr/share/fonts/noto/NotoSans-Regular.ttf'
    ]
  }
]

let cached: { family: string; file: string | null } | undefined

/** The sans-serif family the picture is drawn in, and a file of it when one was found. */
export function pickSansFont(): { family: string; file: string | null } {
  if (cached) return cached
  for (const c of CANDIDATES) {
    const file = c.files.find((f) => existsSync(f))
    if (file) return (cached = { family: c.family, file })
  }
  return (cached = { family: 'sans-serif', file: null })
}
