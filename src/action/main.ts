// Entry of the GitHub Action (action.yml runs `node lib/action/main.js`): one event, then exit.
import { failureMessage } from "./failure-message.js";
import { runAction } from "./run-action.js";

try {
  await runAction(process.env);
} catch (error) {
  process.stderr.write(`${failureMessage(error, process.env)}\n`);
  process.exitCode = 1;
}
