// The sandboxed preload: exposes LoopscopeApi as window.loopscope and nothing else. The raw
// ipcRenderer stays here; the page only gets functions bound to our own channels.

import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { createBridge } from './bridge'

contextBridge.exposeInMainWorld(
  'loopscope',
  createBridge(ipcRenderer, (file: File) => webUtils.getPathForFile(file))
)
