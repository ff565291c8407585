import { expect, test } from '@playwright/test'
import { appUrl, waitForExit, tempScript } from './helpers'

// A program that prints far more than anyone reads: the page keeps the newest output only
// (the trace model's console cap, the terminal's scrollback), so its memory stays bounded.
test('a 64 MB output flood leaves the page heap bounded and the newest output on screen', async ({
  page
}) => {
  test.setTimeout(120_000)
  const script = tempScript('flood.py', [
    'import asyncio, sys',
    'async def main():',
    '    for chunk in range(256):',
    '        sys.stdout.write("".join(f"line {chunk * 2500 + i} " + "x" * 88 + "\\n" for i in range(2500)))',
    '        await asyncio.sleep(0)',
    '    print("flood finished")',
    'asyncio.run(main())'
  ])
  await page.goto(appUrl())
  const cdp = await page.context().newCDPSession(page)
  const heapMb = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage')
    const { usedSize } = await cdp.send('Runtime.getHeapUsage')
    return usedSize / 1e6
  }
  const before = await heapMb()
  await page.getByRole('textbox', { name: 'Script path' }).fill(script)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await waitForExit(page)
  await expect(page.getByRole('region', { name: 'Console' })).toContainText('flood finished', {
    timeout: 90_000
  })
  const after = await heapMb()
  console.log(`console flood memory: 64 MB printed, JS heap ${before.toFixed(1)} -> ${after.toFixed(1)} MB`)
  // The cap keeps 8 M characters (16 MB as UTF-16) of output; without it the heap grew by
  // more than the output itself.
  expect(after - before).toBeLessThan(48)
})
