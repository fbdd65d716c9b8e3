/** Small block types for the block system's tests: credentials, a client that references them. */
import { z } from "zod";
import { blockRef, defineBlockType, secret } from "@wf/core/plugin";

export const TestCredentials = defineBlockType({
  slug: "test-credentials",
  displayName: "Test Credentials",
  description: "A token and a region.",
  capabilities: ["credentials"],
  schema: z.object({
    token: secret(z.string()).describe("API token"),
    region: z.string().default("eu-west-1").describe("Region"),
  }),
  create: (config) => ({ token: config.token, region: config.region }),
});

export const TestClient = defineBlockType({
  slug: "test-client",
  displayName: "Test Client",
  description: "A client that uses saved credentials.",
  capabilities: ["storage"],
  schema: z.object({
    endpoint: z.string().describe("Endpoint"),
    credentials: blockRef(TestCredentials).describe("Credentials to use"),
    fallback: blockRef(TestCredentials).optional().describe("Second credentials"),
  }),
  create: (config) => ({
    endpoint: config.endpoint,
    credentials: config.credentials,
    fallback: config.fallback,
  }),
  test: async (config) => `reached ${config.endpoint} as ${config.credentials.region}`,
});

/** Two types that may reference each other, for cycle detection. */
export const Ping = defineBlockType({
  slug: "test-ping",
  displayName: "Ping",
  description: "References a pong.",
  schema: z.object({ other: blockRef("test-pong").optional() }),
  create: (config) => config,
});
export const Pong = defineBlockType({
  slug: "test-pong",
  displayName: "Pong",
  description: "References a ping.",
  schema: z.object({ other: blockRef("test-ping").optional() }),
  create: (config) => config,
});
