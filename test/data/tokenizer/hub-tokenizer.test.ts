import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import {
  openTokenizer,
  type TokenizerSource,
} from "../../../src/data/tokenizer/resolve-tokenizer.js";
import { tokenizerIdentity } from "../../../src/data/tokenizer/tokenizer.js";
import { closedPort } from "../../helpers/closed-port.js";
import { type HubServer, startHubServer } from "../../helpers/hub-server.js";
import { writeTokenizerFixture } from "../../helpers/tokenizer-fixtures.js";
import { fixtureDir } from "../fixtures.js";

const { root, write } = await fixtureDir();
let hub: HubServer;
const env = () => ({ HF_ENDPOINT: hub.endpoint });
const source = (cacheDir: string, extra: NodeJS.ProcessEnv = {}): TokenizerSource => ({
  tokenEnv: "AIOS_TEST_HUB_TOKEN",
  cacheDir,
  env: { ...env(), ...extra },
});

async function failure(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AiosError) return error;
    throw error;
  }
  throw new Error("expected an AiosError");
}

beforeAll(async () => {
  const unigram = await writeTokenizerFixture("unigram", join(root, "repos", "unigram"));
  const onlyModel = join(root, "repos", "sentencepiece-only");
  await write("repos/sentencepiece-only/tokenizer.model", "not read");
  hub = await startHubServer({
    "aios-test/unigram": { type: "model", main: unigram.dir },
    "aios-test/sentencepiece": { type: "model", main: onlyModel },
    // A dataset of the same name is not a model.
    "aios-test/dataset": { main: unigram.dir },
  });
});

afterAll(async () => {
  await hub?.close();
});

describe("a Hub model id as --model", () => {
  it("fetches tokenizer.json and its side files from /{repo}/resolve, then reads the cache offline", async () => {
    const cache = join(root, "cache-a");
    const local = await openTokenizer(join(root, "repos", "unigram"), source(cache));
    const remote = await openTokenizer("aios-test/unigram", source(cache));
    expect(remote.name).toBe("aios-test/unigram");
    expect(tokenizerIdentity(remote.spec)).toBe(tokenizerIdentity(local.spec));
    // EOS and PAD come from the repo's tokenizer_config.json.
    expect(remote).toMatchObject({ eosId: 1, padId: 0, vocabSize: local.vocabSize });
    const gets = hub.requests.map((r) => `${r.method} ${r.url} ${r.status}`);
    expect(gets).toContain("GET /api/models/aios-test/unigram/revision/main 200");
    expect(gets.filter((g) => g.includes("/aios-test/unigram/resolve/"))).toHaveLength(2);
    if (remote.spec.kind !== "tokenizer.json") throw new Error("expected tokenizer.json");
    expect(remote.spec.files.tokenizer).toMatch(
      /models--aios-test--unigram\/snapshots\/[0-9a-f]{40}\/tokenizer\.json$/,
    );
    const commit = await readFile(
      join(cache, "models--aios-test--unigram", "refs", "main"),
      "utf8",
    );
    expect(remote.spec.files.tokenizer).toContain(commit);

    hub.resetLog();
    const offline = await openTokenizer("aios-test/unigram", {
      ...source(cache),
      env: { HF_ENDPOINT: `http://127.0.0.1:${await closedPort()}` },
    });
    expect(tokenizerIdentity(offline.spec)).toBe(tokenizerIdentity(remote.spec));
    expect(hub.requests).toHaveLength(0);
  });

  it("sends the token from --hf-token-env, and names the variable when the Hub refuses", async () => {
    hub.faults.token = "secret";
    try {
      const denied = await failure(
        openTokenizer("aios-test/unigram", source(join(root, "cache-b"))),
      );
      expect(denied.code).toBe("HUB_AUTH");
      expect(denied.message).toContain("model aios-test/unigram");
      expect(denied.message).toContain("AIOS_TEST_HUB_TOKEN");
      const allowed = await openTokenizer(
        "aios-test/unigram",
        source(join(root, "cache-b"), { AIOS_TEST_HUB_TOKEN: "secret" }),
      );
      expect(allowed.eosId).toBe(1);
    } finally {
      hub.faults.token = undefined;
    }
  });

  it("retries a failing Hub", async () => {
    hub.faults.fail = { status: 503, count: 1, retryAfter: 0 };
    const tokenizer = await openTokenizer("aios-test/unigram", source(join(root, "cache-c")));
    expect(tokenizer.eosId).toBe(1);
    expect(hub.requests.some((r) => r.status === 503)).toBe(true);
  });

  it("refuses a model that does not exist, a dataset id, and a repo without tokenizer.json", async () => {
    const cache = join(root, "cache-d");
    const missing = await failure(openTokenizer("aios-test/no-such-model", source(cache)));
    expect(missing.code).toBe("TOKENIZER");
    expect(missing.message).toBe(
      `there is no model aios-test/no-such-model on the Hub at ${hub.endpoint}`,
    );
    expect((await failure(openTokenizer("aios-test/dataset", source(cache)))).code).toBe(
      "TOKENIZER",
    );
    const noJson = await failure(openTokenizer("aios-test/sentencepiece", source(cache)));
    expect(noJson.code).toBe("TOKENIZER");
    expect(noJson.message).toContain("has no tokenizer.json");
    expect(noJson.hint).toContain("tokenizer.model");
  });

  it("says the Hub cannot be reached, naming HF_ENDPOINT", async () => {
    const error = await failure(
      openTokenizer("aios-test/elsewhere", {
        tokenEnv: "AIOS_TEST_HUB_TOKEN",
        cacheDir: join(root, "cache-e"),
        env: { HF_ENDPOINT: `http://127.0.0.1:${await closedPort()}` },
      }),
    );
    expect(error.code).toBe("HUB_REQUEST");
    expect(error.hint).toContain("HF_ENDPOINT");
  }, 60_000);
});
