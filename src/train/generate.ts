import { AiosError } from "../core/errors.js";
import { Prng } from "../core/prng.js";
import type { Tokenizer } from "../data/tokenizer/tokenizer.js";
import type { HrmInference } from "./inference.js";
import { pickToken, type SamplingSettings } from "./sampling.js";

export interface GenerateOptions extends SamplingSettings {
  readonly maxNewTokens: number;
  readonly seed: number;
  /** Generation ends before the first of these strings; it is not part of the output. */
  readonly stop: readonly string[];
}

/** One generated token, as streamed. */
export interface GeneratedToken {
  readonly id: number;
  /** Text that became final with this token (may be empty: a partial character, a held stop prefix). */
  readonly text: string;
  /** ACT segments the Q head used for this token. */
  readonly segments: number;
}

export type StopReason = "max_new_tokens" | "stop" | "eot";

export interface GenerateResult {
  readonly promptIds: number[];
  readonly tokens: GeneratedToken[];
  readonly text: string;
  readonly stopReason: StopReason;
}

/**
 * Autoregressive generation: per new token, one ACT forward of the whole context (inference.ts),
 * then `pickToken`. The context is the prompt plus what was generated, its last `max_seq_len`
 * tokens once longer (a sliding window; the prompt itself must fit). Ends at `maxNewTokens`, at
 * the tokenizer's end-of-sequence id (`eosId`), or before a `stop` string. `onText` receives text as soon as
 * it is final: decoded text minus a trailing partial UTF-8 character and minus any tail that may
 * still become a stop string; the rest when generation ends.
 *
 * @throws AiosError `CONFIG_INVALID` for an empty prompt or one longer than the context.
 */
export async function generate(
  model: HrmInference,
  tokenizer: Tokenizer,
  prompt: string,
  options: GenerateOptions,
  onText: (text: string) => void = () => {},
): Promise<GenerateResult> {
  const promptIds = (await tokenizer.encodeBatch([prompt]))[0] ?? [];
  const T = model.arch.max_seq_len;
  if (promptIds.length === 0) {
    throw new AiosError("CONFIG_INVALID", "the prompt is empty", {
      hint: "pass --prompt TEXT or --prompt-file FILE with at least one character",
    });
  }
  if (promptIds.length > T) {
    throw new AiosError(
      "CONFIG_INVALID",
      `the prompt is ${promptIds.length} tokens, longer than the brain's context of ${T} (max_seq_len)`,
      { hint: `shorten the prompt to at most ${T} tokens` },
    );
  }
  const prng = new Prng(options.seed);
  const context = [...promptIds];
  const generated: number[] = [];
  const tokens: GeneratedToken[] = [];
  let emitted = "";
  let stopReason: StopReason = "max_new_tokens";
  let finalText: string | null = null;
  for (let i = 0; i < options.maxNewTokens; i++) {
    const out = model.next(context.slice(-T));
    const id = pickToken(out.logits, options, prng);
    if (id === tokenizer.eosId) {
      stopReason = "eot";
      break;
    }
    generated.push(id);
    context.push(id);
    const text = await tokenizer.decode(generated);
    const stopAt = firstStop(text, options.stop);
    if (stopAt !== -1) {
      finalText = text.slice(0, stopAt);
      const token = { id, text: finalText.slice(emitted.length), segments: out.segments };
      tokens.push(token);
      if (token.text.length > 0) onText(token.text);
      emitted = finalText;
      stopReason = "stop";
      break;
    }
    const safe = text.slice(0, safeLength(text, options.stop));
    const token = { id, text: safe.slice(emitted.length), segments: out.segments };
    emitted = safe;
    tokens.push(token);
    if (token.text.length > 0) onText(token.text);
  }
  if (finalText === null) {
    const whole = await tokenizer.decode(generated);
    finalText = whole;
    const rest = whole.slice(emitted.length);
    if (rest.length > 0 && tokens.length > 0) {
      const last = tokens[tokens.length - 1] as GeneratedToken;
      tokens[tokens.length - 1] = { ...last, text: last.text + rest };
      onText(rest);
    }
  }
  return { promptIds, tokens, text: finalText, stopReason };
}

function firstStop(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    if (s.length === 0) continue;
    const i = text.indexOf(s);
    if (i !== -1 && (at === -1 || i < at)) at = i;
  }
  return at;
}

/** Length of `text` that is final: no trailing U+FFFD (a partial character), no stop prefix. */
function safeLength(text: string, stops: readonly string[]): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0xfffd) end -= 1;
  let hold = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, end); k > hold; k--) {
      if (text.slice(end - k, end) === s.slice(0, k)) {
        hold = k;
        break;
      }
    }
  }
  return end - hold;
}
