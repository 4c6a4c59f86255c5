import { AiosError } from "../core/errors.js";

/** An option parser for a whole number >= `min`; anything else is an error naming the flag. */
export function wholeNumber(flag: string, min: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new AiosError(
        "CONFIG_INVALID",
        `--${flag} = ${JSON.stringify(raw)}: must be a whole number >= ${min}`,
      );
    }
    return n;
  };
}

/** An option parser for a finite number in `[min, max]`; anything else names the flag. */
export function numberIn(flag: string, min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new AiosError(
        "CONFIG_INVALID",
        `--${flag} = ${JSON.stringify(raw)}: must be a number from ${min} to ${max}`,
      );
    }
    return n;
  };
}
