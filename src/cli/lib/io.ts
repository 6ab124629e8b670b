import fs from 'fs'

/** Reads a JSON file, or standard input for `-`, with an error that names the file. */
export function readJson(file: string): unknown {
  const name = file === '-' ? 'standard input' : file
  let text: string
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (error) {
    throw new Error(`Cannot read ${name}: ${(error as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`)
  }
}
