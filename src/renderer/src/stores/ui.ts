// Which dialog is open, so the toolbar, the keyboard, the application menu and a drop on the
// window all open the same ones the same way.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ExportKind } from '@shared/export/export-file'

export const useUiStore = defineStore('ui', () => {
  const exportOpen = ref(false)
  /** What the export dialog starts on. */
  const exportKind = ref<ExportKind>('png')
  const settingsOpen = ref(false)
  const runConfigOpen = ref(false)
  const breakpointsOpen = ref(false)

  function openExport(kind: ExportKind): void {
    exportKind.value = kind
    exportOpen.value = true
  }

  return { exportOpen, exportKind, settingsOpen, runConfigOpen, breakpointsOpen, openExport }
})
