import fs from 'fs'
import { parseJson } from './json'

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
    return parseJson(text)
  } catch (error) {
    throw new Error(`${name} is ${(error as Error).message}`)
  }
}
