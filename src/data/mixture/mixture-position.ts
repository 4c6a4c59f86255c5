import { AiosError } from "../../core/errors.js";
import { notAPosition } from "../position.js";
import type { BackendPosition, JsonValue } from "../types.js";
import type { SamplerState } from "./sampler.js";

/** What a mixture is made of: a checkpoint of one mixture does not resume another. */
export interface MixtureIdentity {
  /** Source names, in order. */
  readonly sources: readonly string[];
  /** Relative weights, or all null (round robin). */
  readonly weights: readonly (number | null)[];
  readonly strategy: string;
}

/**
 * Where a mixture stands after a sample: the sampler's state, each source's own position after
 * the last sample taken from it (null: the source starts from its beginning) and which sources
 * have run out in this pass. Samples read ahead to see a source's end are not part of it: they
 * are read again on resume.
 */
export interface MixturePosition extends MixtureIdentity {
  readonly sampler: SamplerState;
  readonly positions: readonly (BackendPosition | null)[];
  readonly exhausted: readonly boolean[];
  /** Passes over the mixture completed (a finite strategy that a training run restarts). */
  readonly pass: number;
}

/** The position as the JSON a checkpoint stores. */
export function mixturePositionJson(position: MixturePosition): BackendPosition {
  return { mixture: position as unknown as JsonValue };
}

/**
 * A position from a checkpoint, checked: its shape, and that it is a position of this mixture
 * (same sources in the same order, same weights, same stopping strategy).
 * @throws AiosError `CHECKPOINT` naming what differs, with the hint to resume with the settings
 *   the checkpoint was written with.
 */
export function parseMixturePosition(
  from: BackendPosition,
  identity: MixtureIdentity,
  description: string,
): MixturePosition {
  const saved = from.mixture;
  if (typeof saved !== "object" || saved === null || Array.isArray(saved))
    throw notAPosition(from, description);
  const p = saved as Record<string, JsonValue>;
  const n = identity.sources.length;
  const listOf = (value: JsonValue | undefined): readonly JsonValue[] | null =>
    Array.isArray(value) && value.length === (p.sources as unknown[] | undefined)?.length
      ? value
      : null;
  const sources = Array.isArray(p.sources) ? p.sources : null;
  const weights = listOf(p.weights);
  if (
    sources === null ||
    weights === null ||
    !sources.every((s) => typeof s === "string") ||
    !weights.every((w) => w === null || (typeof w === "number" && w > 0)) ||
    typeof p.strategy !== "string"
  )
    throw notAPosition(from, description);
  const savedIdentity: MixtureIdentity = {
    sources: sources as string[],
    weights: weights as (number | null)[],
    strategy: p.strategy,
  };
  if (describeIdentity(savedIdentity) !== describeIdentity(identity)) {
    throw new AiosError(
      "CHECKPOINT",
      `the checkpoint was written reading the mixture ${describeIdentity(savedIdentity)}; this run's is ${describeIdentity(identity)}`,
      {
        hint: "resume with the --dataset-mix (names, order, weights) and --mix-stopping-strategy the checkpoint was written with, or start without --resume",
      },
    );
  }
  const positions = listOf(p.positions);
  const exhausted = listOf(p.exhausted);
  const sampler = p.sampler as Record<string, JsonValue> | undefined;
  if (
    positions === null ||
    exhausted === null ||
    !positions.every((q) => q === null || (typeof q === "object" && !Array.isArray(q))) ||
    !exhausted.every((e) => typeof e === "boolean") ||
    !isSamplerState(sampler, n) ||
    typeof p.pass !== "number" ||
    !Number.isSafeInteger(p.pass) ||
    p.pass < 0
  )
    throw notAPosition(from, description);
  return {
    ...savedIdentity,
    sampler: sampler as unknown as SamplerState,
    positions: positions as (BackendPosition | null)[],
    exhausted: exhausted as boolean[],
    pass: p.pass,
  };
}

function isSamplerState(value: Record<string, JsonValue> | undefined, sources: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (value.kind === "round_robin")
    return (
      typeof value.next === "number" &&
      Number.isInteger(value.next) &&
      value.next >= 0 &&
      value.next < sources
    );
  if (value.kind !== "weighted" || !Array.isArray(value.prng) || value.prng.length !== 4)
    return false;
  const words = value.prng as readonly JsonValue[];
  return (
    words.every((w) => typeof w === "number" && Number.isInteger(w) && w >= 0 && w < 2 ** 32) &&
    words.some((w) => w !== 0)
  );
}

/** `[a.txt=0.7, hf://x=0.3] (endless)`: the mixture in a message. */
export function describeIdentity(identity: MixtureIdentity): string {
  const parts = identity.sources.map((name, i) => {
    const weight = identity.weights[i];
    return weight === null || weight === undefined ? name : `${name}=${weight}`;
  });
  return `[${parts.join(", ")}] (${identity.strategy})`;
}
