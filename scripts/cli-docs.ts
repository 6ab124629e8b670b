/**
 * npm run docs:cli: writes the `--help` of the CLI and of every command it lists into docs/cli.md, between
 * `<!-- commands -->` and `<!-- commandsstop -->`, so the reference is what the commands print. The commands are
 * taken from the program itself (src/cli/index.ts): a command added there is in the page at the next run, and
 * test/docs/cli-reference.test.ts fails until it is. `--check` writes nothing and exits 1 when the page differs.
 */
import fs from 'fs'
import path from 'path'
import type { Command } from 'commander'
import { program } from '../src/cli'
import { PROJECT_ROOT } from '../src/cli/lib/paths'

export const CLI_PAGE = path.join(PROJECT_ROOT, 'docs/cli.md')
export const START = '<!-- commands -->'
export const STOP = '<!-- commandsstop -->'

/** The width commander wraps help to when it does not write to a terminal: the same page on every machine. */
const HELP_WIDTH = 80

/** What `<command> --help` prints, the text added before and after the options included, without colours. */
function helpOf(command: Command): string {
  let text = ''
  command.configureOutput({
    writeOut: (chunk) => void (text += chunk),
    writeErr: (chunk) => void (text += chunk),
    getOutHelpWidth: () => HELP_WIDTH,
    getErrHelpWidth: () => HELP_WIDTH,
    getOutHasColors: () => false,
    getErrHasColors: () => false
  })
  command.outputHelp()
  return text.trimEnd()
}

/** The generated block: the CLI's help, then one section per command, in the program's order. */
export async function renderCommands(): Promise<string> {
  const cli = await program([])
  const names = cli.commands.map((command) => command.name())
  const sections = [`\`\`\`text\n$ bin/run --help\n${helpOf(cli)}\n\`\`\``]
  for (const name of names) {
    // The program loads a command's options only when it is the one asked for, as `bin/run <name> --help` does.
    const loaded = (await program([name])).commands.find((command) => command.name() === name)
    if (!loaded) throw new Error(`The program lists ${name} but does not build it`)
    sections.push(`### ${name} options\n\n\`\`\`text\n$ bin/run ${name} --help\n${helpOf(loaded)}\n\`\`\``)
  }
  return sections.join('\n\n')
}

/** The page's text between the markers, or an error naming what is missing. */
export function currentBlock(page: string): string {
  const start = page.indexOf(START)
  const stop = page.indexOf(STOP)
  if (start < 0 || stop < start) throw new Error(`${CLI_PAGE} has no ${START} … ${STOP} block`)
  return page.slice(start + START.length, stop).trim()
}

/** The page with its block replaced by `block`. */
export function withBlock(page: string, block: string): string {
  const start = page.indexOf(START)
  const stop = page.indexOf(STOP)
  if (start < 0 || stop < start) throw new Error(`${CLI_PAGE} has no ${START} … ${STOP} block`)
  return `${page.slice(0, start + START.length)}\n\n${block}\n\n${page.slice(stop)}`
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check')
  const page = fs.readFileSync(CLI_PAGE, 'utf8')
  const block = await renderCommands()
  if (currentBlock(page) === block) {
    console.log(`${path.relative(process.cwd(), CLI_PAGE)} is up to date.`)
    return
  }
  if (check) {
    console.error(
      `${path.relative(process.cwd(), CLI_PAGE)} differs from what the commands print: run npm run docs:cli`
    )
    process.exitCode = 1
    return
  }
  fs.writeFileSync(CLI_PAGE, withBlock(page, block))
  console.log(`wrote ${path.relative(process.cwd(), CLI_PAGE)}`)
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.stack ?? error.message)
    process.exit(1)
  })
}
