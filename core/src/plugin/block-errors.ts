/** Errors of the block system. Messages say what to do next. */
import { WfError } from "../errors.js";

/** No saved block with this slug and name. */
export class BlockNotFoundError extends WfError {
  readonly slug: string;
  readonly blockName: string;
  constructor(slug: string, name: string) {
    super(
      `no block '${slug}/${name}'; create it with \`wf block create ${slug}/${name}\` or list them with \`wf block ls\``,
      { code: "BLOCK_NOT_FOUND" },
    );
    this.slug = slug;
    this.blockName = name;
  }
}

/** No block type with this slug is installed in this process. */
export class BlockTypeNotFoundError extends WfError {
  readonly slug: string;
  constructor(slug: string, hint = "") {
    super(
      `no block type '${slug}' is installed${hint}; add the plugin that provides it to your package.json dependencies, or list the installed types with \`wf block types\``,
      { code: "BLOCK_TYPE_NOT_FOUND" },
    );
    this.slug = slug;
  }
}

/** A block with this name exists and the save did not ask to overwrite it. */
export class BlockExistsError extends WfError {
  constructor(slug: string, name: string) {
    super(
      `block '${slug}/${name}' already exists; pass { overwrite: true } (\`--overwrite\` on the command line) to replace it`,
      { code: "BLOCK_EXISTS" },
    );
  }
}

export interface BlockIssue {
  /** Dotted path of the field ("credentials.region"); empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** Block configuration that does not match its schema. Never carries the values themselves. */
export class BlockValidationError extends WfError {
  readonly issues: readonly BlockIssue[];
  constructor(fullName: string, issues: readonly BlockIssue[]) {
    const detail = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
    super(`invalid configuration for block '${fullName}': ${detail}`, { code: "BLOCK_INVALID" });
    this.issues = issues;
  }
}
