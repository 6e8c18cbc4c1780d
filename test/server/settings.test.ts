import { describe, expect, test } from "vitest";
import { describeDatabaseUrl, resolveEnvironment, settingsProblem } from "../../src/server/settings.js";

describe("resolveEnvironment: the environment wins over .env", () => {
  test.each([
    {
      name: "set in the environment, other value in .env",
      processEnv: { PORT: "4000" },
      dotEnv: { PORT: "3000" },
      value: "4000",
      source: "environment",
    },
    {
      name: "set in the environment, empty in .env",
      processEnv: { DATABASE_URL: "postgres://db/x" },
      dotEnv: { DATABASE_URL: "" },
      value: "postgres://db/x",
      source: "environment",
    },
    {
      name: "empty in the environment, set in .env",
      processEnv: { PORT: "" },
      dotEnv: { PORT: "3001" },
      value: "3001",
      source: ".env",
    },
    { name: "only in .env", processEnv: {}, dotEnv: { PORT: "3002" }, value: "3002", source: ".env" },
    {
      name: "empty in .env, unset in the environment",
      processEnv: {},
      dotEnv: { PORT: " " },
      value: undefined,
      source: "default",
    },
    { name: "nowhere", processEnv: {}, dotEnv: {}, value: undefined, source: "default" },
  ])("$name", ({ processEnv, dotEnv, value, source }) => {
    const resolved = resolveEnvironment(processEnv, dotEnv);
    expect(resolved.env.PORT ?? resolved.env.DATABASE_URL).toBe(value);
    expect(resolved.sourceOf(Object.keys({ ...processEnv, ...dotEnv })[0] ?? "PORT")).toBe(source);
  });
});

describe("describeDatabaseUrl: where, never who", () => {
  test.each([
    ["postgres://modelgate:s3cret@db.example:6432/gate?sslmode=require", "db.example:6432/gate"],
    ["postgres://user:pw@db.example/gate", "db.example:5432/gate"],
    ["postgres://user:pw@db.example", "db.example:5432/(default database)"],
    ["host=db.example password=s3cret dbname=gate", "(a connection string that is not a URL: not shown)"],
  ])("%s", (url, shown) => {
    expect(describeDatabaseUrl(url)).toBe(shown);
  });
});

describe("settingsProblem", () => {
  const app = {
    APP_ID: "1",
    PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n",
    WEBHOOK_SECRET: "s",
  };
  test.each([
    [{ ...app }, undefined],
    [{ ...app, PORT: "8080" }, undefined],
    [{ ...app, PORT: "eighty" }, /PORT must be a port number/],
    [{ ...app, PORT: "70000" }, /PORT must be a port number/],
    [{ ...app, APP_ID: "" }, /APP_ID is not set .*npm run setup/],
    [{}, /APP_ID, PRIVATE_KEY \(or PRIVATE_KEY_PATH\) and WEBHOOK_SECRET are not set/],
  ])("%j", (env, problem) => {
    if (problem === undefined) expect(settingsProblem(env)).toBeUndefined();
    else expect(settingsProblem(env)).toMatch(problem);
  });
});
