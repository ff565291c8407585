// One recent-files list for Electron, the web host and the CLI: the host core's.
export { RecentList, RECENT_LIMIT, sanitizeRecent, type RecentEntry } from '../host/recent-files'
