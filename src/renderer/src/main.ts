import { createApp } from 'vue'
import { createPinia } from 'pinia'
import '@xterm/xterm/css/xterm.css'
import './styles.css'
import App from './App.vue'
import { prepareReader } from './trace-reading/worker-build'

createApp(App).use(createPinia()).mount('#app')
// The trace reader's worker starts once the window is up, not when a trace is opened.
setTimeout(prepareReader, 1000)
