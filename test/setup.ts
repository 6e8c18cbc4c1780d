import { isolateTestDatabase } from "./helpers/database.js";
import { useNock } from "./helpers/use-nock.js";

// every test file: nothing reaches the network, and every mocked GitHub request is used
useNock();
// and its own Postgres database, emptied before each test (test/helpers/database.ts)
isolateTestDatabase();
