// Bundles the real host modules (TypeScript, `@shared` alias) into one plain ESM file the
// benchmark can import, with the same bundler the app's build uses (vite). The bench
// measures the code that ships, not a copy of it.

import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'vite'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Returns the imported bundle of the given `src/host` modules (names without `.ts`). */
export async function importHostModules(names, outDir) {
  mkdirSync(outDir, { recursive: true })
  const entry = join(outDir, 'host-entry.ts')
  writeFileSync(entry, names.map((n) => `export * from '${join(ROOT, 'src/host', n)}'\n`).join(''))
  await build({
    configFile: false,
    logLevel: 'warn',
    root: ROOT,
    resolve: { alias: { '@shared': join(ROOT, 'src/shared') } },
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: false,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: 'host-bundle.mjs' } }
    }
  })
  return import(pathToFileURL(join(outDir, 'host-bundle.mjs')).href + `?t=${Date.now()}`)
}
