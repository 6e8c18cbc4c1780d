import { errorMessage } from "../github/errors.js";
import type { ActionEnv } from "./run-action.js";

/**
 * The line a failed action run prints on stderr: the error's message with any piece of the
 * private key blanked out (the job log is readable by everyone with read access).
 */
export function failureMessage(error: unknown, env: ActionEnv): string {
  let message = errorMessage(error);
  for (const secret of secretFragments(env.PRIVATE_KEY)) message = message.split(secret).join("***");
  return `modelgate: ${message}`;
}

// the raw value, and each line of its PEM body (as written, or after turning \n escapes into lines)
function secretFragments(privateKey: string | undefined): string[] {
  if (!privateKey?.trim()) return [];
  const lines = privateKey
    .replace(/\\n/g, "\n")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith("-----"));
  return [privateKey, ...lines].sort((a, b) => b.length - a.length);
}
