import nock from "nock";
import { describe, expect, test } from "vitest";
import { DEFAULT_EOL_CHECKLIST } from "../../src/core/policy/schema.js";
import { renderEndOfLifeIssueBody } from "../../src/core/render/end-of-life-issue.js";
import { GITHUB_API } from "../helpers/fake-repository.js";
import { commitSha, sha256 } from "../fixtures/git-objects.js";
import { repositoryModelFiles } from "../fixtures/manifests.js";
import { servePolicy, serveTeamMembership } from "../helpers/serve-github.js";
import {
  APP_ID,
  createTestApp,
  INSTALLATION_ID,
  serveInstallationToken,
  testIssueMarkerKey,
} from "../helpers/test-app.js";
import { OWNER, REPO } from "../fixtures/payloads/index.js";
import {
  commentResource,
  issueCommentEvent,
  issueResource,
  type IssueFixture,
} from "../fixtures/payloads/lifecycle.js";
import { rosterWith, serveRoster } from "../helpers/serve-training.js";

const API = `/repos/${OWNER}/${REPO}`;
const FRAUD = repositoryModelFiles({
  dir: "models/fraud",
  name: "fraud-detector",
  version: "2.1.0",
  weights: "weights of 2.1.0",
  prompt: "You score card transactions.\n",
  evaluation: { evaluator: "eve", date: "2026-11-20" },
});
const EOL_ISSUE: IssueFixture = {
  number: 77,
  title: "End of life: fraud-detector 2.1.0",
  body: renderEndOfLifeIssueBody({
    model: "fraud-detector",
    version: "2.1.0",
    digest: FRAUD.digest,
    manifestPath: "models/fraud/model.yaml",
    org: OWNER,
    roles: [
      { role: "system_operator", holders: { users: [], teams: ["platform-ops"] }, state: "pending" },
      { role: "data_custodian", holders: { users: [], teams: ["data-governance"] }, state: "pending" },
    ],
    checklist: DEFAULT_EOL_CHECKLIST,
    components: [
      { id: "models/fraud/weights/model.safetensors", kind: "weights", sha256: sha256("weights of 2.1.0") },
      { id: "models/fraud/prompts/system.txt", kind: "prompt", sha256: sha256("You score card transactions.\n") },
    ],
    datasets: [{ name: "transactions-2026q3", source: "https://data.example.org/transactions-2026q3" }],
    commit: commitSha("after decommission"),
    markerKey: testIssueMarkerKey(77),
  }),
  labels: ["model-eol"],
  appId: APP_ID,
};

describe("end-of-life sign-offs and training", () => {
  test("a disposal sign-off by a data custodian whose training expired is refused with the reason", async () => {
    const app = await createTestApp();
    serveInstallationToken();
    const comment = { id: 13, login: "carol", body: "/approve data_custodian" };
    nock(GITHUB_API).get(`${API}/issues/77`).reply(200, issueResource(EOL_ISSUE));
    servePolicy(OWNER, REPO, "main", "training:\n  require: true\n");
    nock(GITHUB_API)
      .get(`${API}/issues/77/comments`)
      .query({ per_page: "100" })
      .reply(200, [commentResource(comment)]);
    serveTeamMembership(
      OWNER,
      ["data-governance", "ml-engineers", "platform-ops"].map((team) => ({ login: "carol", team })),
      { "data-governance": ["carol"] },
    );
    serveRoster(OWNER, REPO, rosterWith([{ login: "carol", completed: "2025-10-01" }]));
    nock(GITHUB_API).post(`${API}/issues/comments/13/reactions`).reply(201, { id: 2, content: "confused" });
    nock(GITHUB_API).post(`${API}/issues/77/comments`).reply(201, { id: 903 });

    await app.receive(issueCommentEvent("created", EOL_ISSUE, comment, INSTALLATION_ID));

    expect(app.requestsTo("POST", `${API}/issues/77/comments`).map((r) => r.body)).toEqual([
      {
        body: '<!-- modelgate:reply {"comment":13,"kind":"refused"} -->\n@carol `/approve data_custodian` was refused: @carol\'s sign-off as data_custodian is not counted: data_custodian training expired 2026-10-01 (training.require is true).',
      },
    ]);
    expect(app.requestsTo("PATCH", `${API}/issues/77`)).toEqual([]);
  });
});
