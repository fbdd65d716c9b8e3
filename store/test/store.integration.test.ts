import { afterAll, beforeAll, describe } from "vitest";
import { storeSuite } from "./support/store-suite.js";
import { postgresOrSkip, startPostgres, type PostgresCluster } from "./support/postgres.js";

const binaries = postgresOrSkip();

describe.skipIf(binaries === undefined)("store on Postgres", () => {
  let cluster: PostgresCluster;
  let counter = 0;

  beforeAll(async () => {
    if (binaries !== undefined) cluster = await startPostgres(binaries);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  storeSuite("postgres", async () => {
    const name = `wf_test_${process.pid}_${counter++}`;
    const url = await cluster.createDatabase(name);
    return { url, drop: () => cluster.dropDatabase(name) };
  });
});
