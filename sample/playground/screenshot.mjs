// Screenshot of the playground after "Run all", for docs/testing.md:
//   npm run start:sample   (in another terminal)
//   node sample/playground/screenshot.mjs [http://localhost:3001] [docs/playground.png]
import { chromium } from 'playwright-core';

const url = process.argv[2] ?? `http://localhost:${process.env.PLAYGROUND_PORT ?? 3001}`;
const out = process.argv[3] ?? 'docs/playground.png';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('#run-all');
  await page.waitForFunction(() => [...document.querySelectorAll('.card')].every((c) => c.dataset.result));
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
