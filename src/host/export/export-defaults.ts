// Export defaults shared by the renderer of images and the command's help, kept apart from
// the renderer so `loopscope --help` does not load ECharts and resvg.

export const DEFAULT_PNG_SCALE = 2
