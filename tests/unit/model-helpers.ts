// Shared by the trace-model tests: load a fixture trace into a model.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import { TraceModel } from '../../src/shared/trace-model/trace-model'

export function fixtureText(name: string): string {
  return readFileSync(resolve(__dirname, '../fixtures', name), 'utf8')
}

export function loadFixture(name: string): TraceModel {
  const parsed = parseNdjson(fixtureText(name))
  const model = new TraceModel()
  if (parsed.header) model.setHeader(parsed.header)
  model.ingest(parsed.events)
  model.skipped += parsed.skipped
  return model
}

export function laneSpans(
  model: TraceModel,
  lane: number
): { start: number; end: number; kind: number; label: string }[] {
  const list = model.lanes[lane].spans
  const out = []
  for (let k = 0; k < list.length; k++) {
    const i = list.data[k]
    out.push({
      start: model.spans.start.data[i],
      end: model.spanEnd(i),
      kind: model.spans.kind.data[i],
      label: model.spanLabel(i)
    })
  }
  return out
}
