import type { ApprovalFacts } from "../core/evaluate/types.js";

/**
 * The approval facts of the CLI, which reads no GitHub: nothing is known about people, so every
 * approval and sign-off requirement is pending (docs/cli.md "modelgate check"), never met.
 */
export function offlineFacts(headSha: string): ApprovalFacts {
  return {
    available: false,
    authors: [],
    headSha,
    reviews: [],
    signOffs: {},
    signOffIssues: {},
    teamMembership: {},
  };
}
