import { chromium, type Browser } from 'playwright-core'
import { existsSync } from 'fs'

/** Debian's Chromium: `.ci/run` installs it; browser downloads cannot reach their hosts here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network refuses.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** Launches real headless Chromium, failing loudly (never skipping) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's "chromium" (bash .ci/run does)`)
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS })
}
