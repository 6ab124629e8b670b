import { InvalidArgumentError } from 'commander'

/** A parser for a whole-number option from `min` (up to `max`), refusing anything else with `message`. */
export function wholeNumber(min: number, max = Infinity, message = `a whole number from ${min} up`) {
  return (value: string): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(message)
    return n
  }
}

export const port = wholeNumber(0, 65535, 'a port is a whole number from 0 to 65535')
export const count = wholeNumber(0)
