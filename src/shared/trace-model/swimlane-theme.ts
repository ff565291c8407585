// Colours of the swimlane chart, dark and light. Shared by the live view and image export.

export interface SwimlaneTheme {
  name: 'dark' | 'light'
  background: string
  text: string
  textMuted: string
  grid: string
  laneAlt: string
  run: string
  callback: string
  wait: string
  waitText: string
  scheduled: string
  select: string
  executor: string
  blocked: string
  merged: string
  tick: string
  cursor: string
  selection: string
  timer: string
  io: string
  done: string
  failed: string
  cancelled: string
  problem: string
  created: string
  sliderFill: string
  font: string
}

const FONT = '11px system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif'

export const DARK_THEME: SwimlaneTheme = {
  name: 'dark',
  background: '#1e1e1e',
  text: '#cccccc',
  textMuted: '#8b8b8b',
  grid: '#2d2d2d',
  laneAlt: 'rgba(255,255,255,0.025)',
  run: '#3794ff',
  callback: '#b180d7',
  wait: 'rgba(55,148,255,0.16)',
  waitText: '#9dbbdc',
  scheduled: 'rgba(204,204,204,0.10)',
  select: 'rgba(137,209,133,0.35)',
  executor: '#d7ba7d',
  blocked: '#f14c4c',
  merged: '#3794ff',
  tick: 'rgba(255,255,255,0.07)',
  cursor: '#ffcc00',
  selection: '#ffffff',
  timer: '#d7ba7d',
  io: '#89d185',
  done: '#89d185',
  failed: '#f14c4c',
  cancelled: '#cca700',
  problem: '#f14c4c',
  created: '#8b8b8b',
  sliderFill: 'rgba(55,148,255,0.2)',
  font: FONT
}

export const LIGHT_THEME: SwimlaneTheme = {
  name: 'light',
  background: '#ffffff',
  text: '#333333',
  textMuted: '#717171',
  grid: '#e5e5e5',
  laneAlt: 'rgba(0,0,0,0.025)',
  run: '#0066b8',
  callback: '#8f52c4',
  wait: 'rgba(0,102,184,0.13)',
  waitText: '#2b5b84',
  scheduled: 'rgba(0,0,0,0.07)',
  select: 'rgba(56,138,52,0.30)',
  executor: '#b07d1a',
  blocked: '#e51400',
  merged: '#0066b8',
  tick: 'rgba(0,0,0,0.07)',
  cursor: '#c27d00',
  selection: '#000000',
  timer: '#b07d1a',
  io: '#388a34',
  done: '#388a34',
  failed: '#e51400',
  cancelled: '#bf8803',
  problem: '#e51400',
  created: '#717171',
  sliderFill: 'rgba(0,102,184,0.15)',
  font: FONT
}
