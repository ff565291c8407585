// Lint rules, including the layer rules of STYLE.md: each folder may import only what the
// runtime it runs in has, so a wrong import fails `npm test` instead of a review.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import { builtinModules } from 'node:module'

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'))
const restrict = (paths, patterns = [], message) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message })),
      patterns: patterns.length ? [{ group: patterns, message }] : []
    }
  ]
})

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'node_modules/**',
      'test-results/**',
      'dist/**',
      'resources/**',
      'bench/results/**',
      'bench/.lab/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } }
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off'
    }
  },
  {
    files: ['src/shared/**'],
    languageOptions: { globals: {} },
    rules: {
      ...restrict(
        ['electron', 'vue', 'pinia', 'ws', '@xterm/xterm', '@xterm/addon-fit', 'echarts', ...nodeBuiltins],
        ['**/host/**', '**/main/**', '**/renderer/**', '**/preload/**', 'node:*'],
        'src/shared runs anywhere: no Node, DOM, Electron or UI framework imports (STYLE.md).'
      ),
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require']
    }
  },
  {
    files: ['src/host/**', 'src/cli/**'],
    rules: restrict(
      ['electron', 'vue', 'pinia', '@xterm/xterm', '@xterm/addon-fit'],
      ['**/main/**', '**/renderer/**', '**/preload/**', 'electron/*'],
      'The host core and CLI are plain Node: never electron, never the renderer (STYLE.md).'
    )
  },
  {
    files: ['src/main/**'],
    rules: restrict(
      ['vue', 'pinia', '@xterm/xterm', '@xterm/addon-fit'],
      ['**/renderer/**', '**/preload/**'],
      'The Electron shell reaches the renderer only through IPC (STYLE.md).'
    )
  },
  {
    files: ['src/preload/**'],
    rules: restrict(
      ['vue', 'pinia', 'ws', 'echarts', ...nodeBuiltins],
      ['**/host/**', '**/main/**', '**/renderer/**', 'node:*'],
      'The sandboxed preload may import only electron (contextBridge/ipcRenderer) and src/shared (STYLE.md).'
    )
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      ['electron', 'ws', '@resvg/resvg-js', ...nodeBuiltins],
      ['**/host/**', '**/main/**', '**/preload/**', '**/cli/**', 'node:*'],
      'The renderer reaches the host only through LoopscopeApi (STYLE.md).'
    )
  },
  {
    files: ['tests/e2e/**', 'tests/electron/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } }
  },
  prettier
)
