// What the application menu asks the renderer to do. The renderer owns the UI state (the
// chosen script, its run configuration, the chart to export), so menu items travel to it
// as commands on one push channel and it performs them exactly like its own buttons.

import { PUSH_CHANNELS } from '../shared/ipc-channels'

export type { MenuCommand } from '../shared/api'

export const MENU_PUSH_CHANNEL = PUSH_CHANNELS.menu
