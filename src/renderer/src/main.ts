import { createApp, h } from 'vue'
createApp({ render: () => h('div', 'hi') }).mount('#app')
