// ECharts with only the parts the swimlanes and the exported image use, and the swimlanes'
// batch shapes (src/shared/trace-model/swimlane-shapes.ts) registered for their custom series.
import * as echarts from 'echarts/core'
import { CustomChart, ScatterChart } from 'echarts/charts'
import {
  DataZoomComponent,
  GraphicComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent
} from 'echarts/components'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'
import { SWIMLANE_SHAPES } from '@shared/trace-model/swimlane-shapes'

echarts.use([
  CustomChart,
  ScatterChart,
  DataZoomComponent,
  GraphicComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
  CanvasRenderer,
  SVGRenderer
])

for (const [name, def] of Object.entries(SWIMLANE_SHAPES))
  echarts.graphic.registerShape(name, echarts.graphic.extendShape(def as never))

export { echarts }
