import type pg from "pg";

/** Empties the inventory's tables (each test starts with none; test/helpers/database.ts empties the others). */
export async function emptyInventory(pool: pg.Pool): Promise<void> {
  await pool.query(
    "TRUNCATE modelgate.inventory_repositories, modelgate.inventory_models, modelgate.inventory_versions, modelgate.inventory_decisions, modelgate.inventory_unmanaged",
  );
}
