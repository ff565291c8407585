// Issue 5 end to end on the notes' own example: start held, step tick by tick watching the
// Ready queue and Timers, resume, and scrub back to a past tick.
import { expect, test, type Page } from '@playwright/test'
import { openExample, waitForExit } from './helpers'

/** What the program prints (the notes' 02 example): the console must show exactly this. */
const PROGRAM_OUTPUT = [
  'a - start',
  'b - start',
  'c - start',
  'a - end',
  'c - end',
  'b - end',
  'b :this is C return',
  'end'
]

interface Queues {
  ready: string[]
  timers: string[]
}

async function queues(page: Page): Promise<Queues> {
  const ready = page.getByRole('region', { name: 'Ready queue' })
  const timers = page.getByRole('region', { name: 'Timers' })
  return {
    ready: await ready.getByRole('listitem').allInnerTexts(),
    // The body rows: callback and task of each timer (the countdown moves on while running).
    timers: (await timers.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(1).join('\t'))
  }
}

async function heldTick(page: Page): Promise<number> {
  const status = page.getByRole('status', { name: 'Status' })
  await expect(page.getByTestId('session-state')).toContainText(/paused/i, { timeout: 20_000 })
  return Number((await status.innerText()).match(/tick (\d+)/)?.[1] ?? -1)
}

/** The program's own console text: every row without Loopscope's own (italic) notices. */
async function programOutput(page: Page): Promise<string[]> {
  return page
    .getByRole('region', { name: 'Console' })
    .locator('.xterm-rows')
    .evaluate((rows) =>
      [...rows.children]
        .map((row) =>
          [...row.childNodes]
            .filter((n) => !(n instanceof HTMLElement && n.classList.contains('xterm-italic')))
            .map((n) => n.textContent ?? '')
            .join('')
            .trimEnd()
        )
        .filter((line) => line !== '')
    )
}

test('02_generator_coroutines_tasks.py: held at start, stepped tick by tick, resumed, then scrubbed back', async ({
  page
}) => {
  await openExample(page, '02_generator_coroutines_tasks.py')
  await page.getByRole('button', { name: 'Step tick', exact: true }).click()
  const seen = new Map<number, Queues>()

  // Held before the first tick: both tasks' first steps wait in the ready queue, no timer yet.
  let tick = await heldTick(page)
  let q = await queues(page)
  expect(q.ready.length).toBeGreaterThanOrEqual(2)
  expect(q.timers).toEqual([])
  seen.set(tick, q)

  // One tick runs those steps: each coroutine now sleeps, so two timers and nothing ready.
  await page.keyboard.press('F10')
  await expect.poll(() => heldTick(page)).toBeGreaterThan(tick)
  tick = await heldTick(page)
  await expect.poll(async () => (await queues(page)).timers.length).toBe(2)
  q = await queues(page)
  expect(q.ready).toEqual([])
  seen.set(tick, q)
  expect(await programOutput(page)).toEqual(PROGRAM_OUTPUT.slice(0, 3))

  // Further ticks: the sleeps end (after one second of loop time), their tasks get ready again.
  let sawReadyAgain = false
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('F10')
    await expect.poll(() => heldTick(page), { timeout: 20_000 }).toBeGreaterThan(tick)
    tick = await heldTick(page)
    q = await queues(page)
    seen.set(tick, q)
    if (q.ready.length > 0) sawReadyAgain = true
  }
  expect(sawReadyAgain).toBe(true)

  await page.getByRole('button', { name: 'Resume', exact: true }).click()
  await waitForExit(page)
  await expect(page.getByTestId('session-state')).toContainText('code 0')
  await expect.poll(() => programOutput(page)).toEqual(PROGRAM_OUTPUT)

  // Back to tick 2: the queues as they were when the loop was held there.
  const scrubber = page.getByRole('slider', { name: 'Tick' })
  await scrubber.focus()
  await page.keyboard.press('Home')
  for (let i = 0; i < 50; i++) {
    if (/^tick 2 /.test((await scrubber.getAttribute('aria-valuetext')) ?? '')) break
    await page.keyboard.press('ArrowRight')
  }
  await expect(scrubber).toHaveAttribute('aria-valuetext', /^tick 2 /)
  const atTwo = seen.get(2)!
  await expect.poll(async () => (await queues(page)).ready).toEqual(atTwo.ready)
  expect((await queues(page)).timers).toEqual(atTwo.timers)
  await page.getByRole('button', { name: 'Now', exact: true }).click()
  await expect(scrubber).toHaveAttribute('aria-valuetext', /^now/)
})
