/**
 * How `Type.save()`, `Type.load()` and `loadBlock()` reach the block system. The machinery
 * (validation, encryption, references, the plugin host) lives in `@wf/blocks`, an optional peer
 * loaded on first use, so core stays free of it; tests and the server can install their own.
 */
import { ConfigurationError } from "../errors.js";
import type { Orchestrator } from "../orchestrator.js";
import { getOrchestrator } from "../orchestrator-registry.js";
import type { AnyBlockType, BlockLoadOptions, BlockSaveOptions } from "./block-type.js";

export interface BlockServiceLoadOptions extends BlockLoadOptions {
  /** The block type to use (its definition wins over an installed one with the same slug). */
  readonly type?: AnyBlockType;
  /** Refuse a block whose type does not declare this capability ("storage", ...). */
  readonly capability?: string;
}

export interface BlockService {
  save(
    type: AnyBlockType,
    name: string,
    config: unknown,
    options?: BlockSaveOptions,
  ): Promise<void>;
  /** Load `"slug/name"` into a ready instance. */
  load(fullName: string, options?: BlockServiceLoadOptions): Promise<unknown>;
}

let installed: BlockService | undefined;
let opened: { orchestrator: Orchestrator; service: Promise<BlockService> } | undefined;

/** Use this block service from now on (tests, the server); undefined goes back to the default. */
export function setBlockService(service: BlockService | undefined): void {
  installed = service;
  opened = undefined;
}

/** The block service over the orchestrator in use, from `@wf/blocks` by default. */
export async function getBlockService(): Promise<BlockService> {
  if (installed) return installed;
  const orchestrator = await getOrchestrator();
  if (opened?.orchestrator !== orchestrator) {
    opened = { orchestrator, service: openDefault(orchestrator) };
  }
  return opened.service;
}

// @wf/blocks is an optional peer of core: only processes that use blocks load it.
const BLOCKS_PACKAGE = "@wf/blocks";

async function openDefault(orchestrator: Orchestrator): Promise<BlockService> {
  let blocks: { createBlockService(options: { orchestrator: Orchestrator }): BlockService };
  try {
    blocks = (await import(BLOCKS_PACKAGE)) as typeof blocks;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") {
      throw new ConfigurationError(
        "blocks need the block system: install it with `npm install @wf/blocks`",
        error,
      );
    }
    throw error;
  }
  return blocks.createBlockService({ orchestrator });
}

/** Load a saved block by `"slug/name"`, typed by the port you expect: `loadBlock<Storage>(...)`. */
export async function loadBlock<T = unknown>(
  fullName: string,
  options: BlockLoadOptions & { readonly capability?: string } = {},
): Promise<T> {
  const service = await getBlockService();
  return (await service.load(fullName, options)) as T;
}
