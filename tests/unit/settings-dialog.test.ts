// @vitest-environment jsdom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import SettingsDialog from '../../src/renderer/src/components/SettingsDialog.vue'
import { DEFAULT_SETTINGS, type Settings } from '../../src/shared/settings-types'

const labelled = (wrapper: ReturnType<typeof mount>, text: string) => {
  const label = wrapper.findAll('label').find((l) => l.text().includes(text))
  if (!label) throw new Error(`no label "${text}"`)
  const forId = label.attributes('for')
  return forId ? wrapper.find(`#${forId}`) : label.find('input')
}

describe('settings dialog', () => {
  it('labels every control so it can be reached by its name', () => {
    const w = mount(SettingsDialog, { props: { settings: { ...DEFAULT_SETTINGS } } })
    for (const name of [
      'Same as the system',
      'Dark',
      'Light',
      'Blocked-loop threshold',
      'Console scrollback',
      'Trace retention cap',
      'Pause at start',
      'Legacy shims'
    ]) {
      expect(labelled(w, name).exists(), name).toBe(true)
    }
    expect(w.attributes('role')).toBe('dialog')
    expect(w.find(`#${w.attributes('aria-labelledby')}`).text()).toBe('Settings')
  })

  it('emits the edited settings on save and leaves the originals alone', async () => {
    const original: Settings = { ...DEFAULT_SETTINGS }
    const w = mount(SettingsDialog, { props: { settings: original } })
    await labelled(w, 'Dark').setValue(true)
    await labelled(w, 'Blocked-loop threshold').setValue('250')
    await labelled(w, 'Pause at start').setValue(true)
    await w.find('form').trigger('submit')
    expect(w.emitted('save')).toEqual([
      [{ ...DEFAULT_SETTINGS, theme: 'dark', blockedThresholdMs: 250, pauseAtStart: true }]
    ])
    expect(original).toEqual(DEFAULT_SETTINGS)
  })

  it('marks an out-of-range number invalid, explains the range, and will not save', async () => {
    const w = mount(SettingsDialog, { props: { settings: { ...DEFAULT_SETTINGS } } })
    const input = labelled(w, 'Console scrollback')
    await input.setValue('5')
    expect(input.attributes('aria-invalid')).toBe('true')
    const described = input.attributes('aria-describedby')!.split(' ')
    expect(described.map((id) => w.find(`#${id}`).text())).toContain('Between 100 and 1,000,000.')
    expect(w.find('button[type=submit]').attributes('disabled')).toBeDefined()
    await w.find('form').trigger('submit')
    expect(w.emitted('save')).toBeUndefined()
    await input.setValue('')
    expect(w.text()).toContain('Enter a number.')
  })

  it('restores the defaults into the form', async () => {
    const w = mount(SettingsDialog, {
      props: { settings: { ...DEFAULT_SETTINGS, theme: 'light', legacyShims: false } }
    })
    await w
      .findAll('button')
      .find((b) => b.text() === 'Restore defaults')!
      .trigger('click')
    await w.find('form').trigger('submit')
    expect(w.emitted('save')).toEqual([[{ ...DEFAULT_SETTINGS }]])
  })

  it('shows the host notice and error, and cancels on Escape', async () => {
    const w = mount(SettingsDialog, {
      props: {
        settings: { ...DEFAULT_SETTINGS },
        notice: 'The settings file was reset.',
        error: 'Cannot save.'
      }
    })
    expect(w.find('[role=status]').text()).toBe('The settings file was reset.')
    expect(w.find('[role=alert]').text()).toBe('Cannot save.')
    await w.trigger('keydown', { key: 'Escape' })
    expect(w.emitted('cancel')).toHaveLength(1)
  })
})
