import { isolateTestDatabase } from "./database.js";

isolateTestDatabase();
