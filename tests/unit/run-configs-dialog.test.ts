// @vitest-environment jsdom
import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import RunConfigDialog from '../../src/renderer/src/components/RunConfigDialog.vue'
import type { InterpreterDiscovery, RunConfig } from '../../src/shared/settings-types'

const SCRIPT = '/home/ada/proj/main.py'

const discovery: InterpreterDiscovery = {
  interpreters: [
    {
      path: '/home/ada/proj/.venv/bin/python',
      source: 'script-venv',
      label: '.venv next to the script',
      version: '3.7.16',
      usable: false,
      problem: 'is Python 3.7.16; Loopscope needs Python 3.8 or newer.'
    },
    {
      path: '/usr/bin/python3',
      source: 'path',
      label: 'python3 on PATH',
      version: '3.11.2',
      usable: true,
      problem: null
    }
  ],
  recommended: '/usr/bin/python3',
  tried: [],
  message: null
}

const saved: RunConfig = {
  script: SCRIPT,
  argsText: '--port 8080',
  args: ['--port', '8080'],
  cwd: '/home/ada',
  env: { DEBUG: '1', MODE: 'a=b' },
  python: '/usr/bin/python3',
  updatedAt: 1
}

function mountDialog(props: Record<string, unknown> = {}) {
  return mount(RunConfigDialog, { props: { script: SCRIPT, config: null, discovery, ...props } })
}

const byLabel = (w: ReturnType<typeof mountDialog>, text: string) => {
  const label = w.findAll('label').find((l) => l.text().startsWith(text))
  if (!label) throw new Error(`no label "${text}"`)
  return label.attributes('for') ? w.find(`#${label.attributes('for')}`) : label.find('input')
}

describe('run configuration dialog', () => {
  it('lists detected interpreters with versions, disables a too-old one and says why', () => {
    const w = mountDialog()
    const text = w.find('fieldset').text()
    expect(text).toContain('Automatic: python3 on PATH — Python 3.11.2')
    expect(text).toContain('.venv next to the script — Python 3.7.16')
    expect(text).toContain('Loopscope needs Python 3.8 or newer.')
    expect(byLabel(w, '.venv next to the script').attributes('disabled')).toBeDefined()
    expect(byLabel(w, 'python3 on PATH').attributes('disabled')).toBeUndefined()
  })

  it('fills the form from a remembered configuration and emits what is edited', async () => {
    const w = mountDialog({ config: saved })
    expect((byLabel(w, 'Arguments').element as HTMLInputElement).value).toBe('--port 8080')
    expect((byLabel(w, 'Environment additions').element as HTMLTextAreaElement).value).toBe(
      'DEBUG=1\nMODE=a=b'
    )
    expect((byLabel(w, 'python3 on PATH').element as HTMLInputElement).checked).toBe(true)
    await byLabel(w, 'Arguments').setValue(`--name "Ada L"`)
    await byLabel(w, 'Working folder').setValue('  ')
    await byLabel(w, 'Environment additions').setValue('# comment\nDEBUG=2\n\nEMPTY=')
    await byLabel(w, 'Automatic').setValue(true)
    await w
      .findAll('button')
      .find((b) => b.text() === 'Save')!
      .trigger('click')
    expect(w.emitted('save')).toEqual([
      [
        {
          script: SCRIPT,
          argsText: '--name "Ada L"',
          cwd: null,
          env: { DEBUG: '2', EMPTY: '' },
          python: null
        }
      ]
    ])
    await w.find('form').trigger('submit')
    expect(w.emitted('run')).toHaveLength(1)
  })

  it('points at the bad environment line and will not submit', async () => {
    const w = mountDialog()
    await byLabel(w, 'Environment additions').setValue('OK=1\n2BAD=x\nnoequals')
    expect(w.find('#run-config-env-errors').text()).toContain('Line 2: "2BAD" is not a variable name.')
    expect(w.find('#run-config-env-errors').text()).toContain('Line 3: write NAME=value.')
    expect(byLabel(w, 'Environment additions').attributes('aria-invalid')).toBe('true')
    await w.find('form').trigger('submit')
    expect(w.emitted('run')).toBeUndefined()
  })

  it('asks the parent to check a typed interpreter path and shows its answer', async () => {
    const w = mountDialog()
    const field = byLabel(w, 'Interpreter path')
    await field.setValue('/opt/py37/bin/python3')
    await field.trigger('change')
    expect(w.emitted('probe')).toEqual([['/opt/py37/bin/python3']])
    await w.setProps({
      discovery: {
        ...discovery,
        interpreters: [
          {
            path: '/opt/py37/bin/python3',
            source: 'explicit',
            label: 'chosen interpreter',
            version: '3.7.9',
            usable: false,
            problem: 'is Python 3.7.9; Loopscope needs Python 3.8 or newer.'
          },
          ...discovery.interpreters
        ],
        message:
          'The chosen interpreter /opt/py37/bin/python3 is Python 3.7.9; Loopscope needs Python 3.8 or newer.'
      }
    })
    expect(w.find('#run-config-python-status').text()).toBe(
      '/opt/py37/bin/python3 is Python 3.7.9; Loopscope needs Python 3.8 or newer.'
    )
    expect(w.find('[role=alert]').text()).toContain('The chosen interpreter /opt/py37/bin/python3')
    await w.find('form').trigger('submit')
    expect(w.emitted('run')![0][0]).toMatchObject({ python: '/opt/py37/bin/python3' })
  })

  it('offers Browse only when the host can open a file picker, and uses what it picked', async () => {
    expect(
      mountDialog()
        .findAll('button')
        .some((b) => b.text() === 'Browse…')
    ).toBe(false)
    const w = mountDialog({ browsePython: async () => '/picked/python3' })
    await w
      .findAll('button')
      .find((b) => b.text() === 'Browse…')!
      .trigger('click')
    await flushPromises()
    expect((byLabel(w, 'Interpreter path').element as HTMLInputElement).value).toBe('/picked/python3')
    expect((byLabel(w, 'Another interpreter').element as HTMLInputElement).checked).toBe(true)
    expect(w.emitted('probe')).toEqual([['/picked/python3']])
  })

  it('says it is still looking while interpreters are probed', () => {
    const w = mountDialog({ discovery: null })
    expect(w.find('[role=status]').text()).toBe('Looking for interpreters…')
    expect(w.find('fieldset').attributes('aria-busy')).toBe('true')
  })
})
